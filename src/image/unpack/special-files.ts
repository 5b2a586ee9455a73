import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Node has no mknod(2) or setxattr(2). Overlay whiteouts (char device 0:0) and extended
 * attributes are therefore made by one helper process per layer: a few lines of Perl (perl-base
 * is in every Debian/Ubuntu install) calling the syscalls by number, fed NUL-separated records
 * on stdin. On an architecture without a known syscall table, `mknod(1)` is spawned per whiteout
 * and xattrs other than the overlay opaque marker are skipped with a note.
 */
export type SpecialOp =
  | { kind: 'whiteout'; path: string }
  | { kind: 'xattr'; path: string; name: string; value: Buffer };

export interface SpecialFailure {
  op: SpecialOp;
  error: string;
}

const PERL = '/usr/bin/perl';

/** mknodat(2) and lsetxattr(2) numbers by Node's `process.arch`. */
const SYSCALLS: Record<string, { mknodat: number; lsetxattr: number }> = {
  x64: { mknodat: 259, lsetxattr: 189 },
  arm64: { mknodat: 33, lsetxattr: 6 },
  riscv64: { mknodat: 33, lsetxattr: 6 },
  loong64: { mknodat: 33, lsetxattr: 6 },
};

// Reads records "w\0PATH\0" and "x\0PATH\0NAME\0HEXVALUE\0"; prints "0\n" or "<errno text>\n"
// per record. Strings get an explicit NUL because syscall() passes Perl's buffer pointer.
const SCRIPT = `
use strict; my ($mk, $sx) = @ARGV; $/ = "\\0"; $| = 0;
while (defined(my $op = <STDIN>)) {
  chomp $op; my $p = <STDIN>; chomp $p; my $r;
  if ($op eq 'w') { $r = syscall($mk + 0, -100, $p . "\\0", 0020000 + 0, 0); }
  else { my $n = <STDIN>; chomp $n; my $v = <STDIN>; chomp $v; $v = pack('H*', $v);
         $r = syscall($sx + 0, $p . "\\0", $n . "\\0", $v, length($v) + 0, 0); }
  print(($r == 0 ? "0" : "$!") . "\\n");
}
`;

/**
 * Performs `ops` (paths must already be resolved inside the target; the final component of a
 * whiteout must not exist) and returns the ones that failed, with the error text. Never throws
 * for a failed op; throws only if no helper can run at all.
 */
export async function applySpecialOps(ops: readonly SpecialOp[]): Promise<SpecialFailure[]> {
  if (ops.length === 0) return [];
  const nums = SYSCALLS[process.arch];
  if (nums && existsSync(PERL)) return runPerl(ops, nums);
  return runFallback(ops);
}

function runPerl(
  ops: readonly SpecialOp[],
  nums: { mknodat: number; lsetxattr: number },
): Promise<SpecialFailure[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PERL, ['-e', SCRIPT, String(nums.mknodat), String(nums.lsetxattr)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = Buffer.concat(out).toString('utf8').split('\n');
      if (code !== 0 || lines.length < ops.length) {
        reject(
          new Error(`special-file helper failed (exit ${code}): ${Buffer.concat(err).toString().trim()}`),
        );
        return;
      }
      const failures: SpecialFailure[] = [];
      ops.forEach((op, i) => {
        const l = lines[i] ?? '';
        if (l !== '0') failures.push({ op, error: l });
      });
      resolve(failures);
    });
    const parts: string[] = [];
    for (const op of ops) {
      if (op.kind === 'whiteout') parts.push('w', op.path);
      else parts.push('x', op.path, op.name, op.value.toString('hex'));
    }
    child.stdin.on('error', () => {});
    child.stdin.end(`${parts.join('\0')}\0`);
  });
}

async function runFallback(ops: readonly SpecialOp[]): Promise<SpecialFailure[]> {
  const failures: SpecialFailure[] = [];
  for (const op of ops) {
    if (op.kind === 'xattr') {
      failures.push({ op, error: `no xattr helper for architecture ${process.arch}` });
      continue;
    }
    const code = await new Promise<number | null>((resolve) => {
      const c = spawn('mknod', [op.path, 'c', '0', '0'], { stdio: 'ignore' });
      c.on('error', () => resolve(-1));
      c.on('close', resolve);
    });
    if (code !== 0) failures.push({ op, error: `mknod exited with ${code}` });
  }
  return failures;
}
