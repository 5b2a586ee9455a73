import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import type { RuntimeError } from '../errors.ts';
import {
  isManifestName,
  type StaticFile,
  StaticPodWatcher,
  type StaticPodWatcherOptions,
} from './static-pods.ts';

const run = promisify(execFile);
const temps: string[] = [];
after(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hostpod-static-'));
  temps.push(d);
  return d;
}

function pod(name: string): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: busybox\n`;
}

type Files = ReadonlyMap<string, StaticFile>;

/** Records every onChange; `waitFor` polls (bounded) until the latest set satisfies a predicate. */
class Recorder {
  readonly calls: Files[] = [];
  readonly errors: RuntimeError[] = [];
  readonly onChange = (files: Files): void => {
    this.calls.push(files);
  };
  readonly onError = (err: RuntimeError): void => {
    this.errors.push(err);
  };
  get last(): Files {
    const l = this.calls.at(-1);
    assert.ok(l, 'onChange was called');
    return l;
  }
  /** Resolves with the ms it took; fails after 5 s (the acceptance bound is 2 s: this is not a speed test). */
  async waitFor(what: string, pred: (files: Files) => boolean): Promise<number> {
    const t0 = performance.now();
    while (performance.now() - t0 < 5000) {
      const l = this.calls.at(-1);
      if (l && pred(l)) return Math.round(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`not seen within 5 s: ${what}; last set: ${JSON.stringify([...(this.calls.at(-1) ?? [])])}`);
  }
}

function names(files: Files | undefined): string[] {
  return [...(files?.values() ?? [])].flatMap((f) =>
    f.objects.map((o) => String((o as { metadata?: { name?: string } }).metadata?.name)),
  );
}

async function watching(
  dir: string,
  fn: (rec: Recorder, w: StaticPodWatcher) => Promise<void>,
  options: Partial<StaticPodWatcherOptions> = {},
): Promise<Recorder> {
  const rec = new Recorder();
  const w = new StaticPodWatcher({ dir, onChange: rec.onChange, onError: rec.onError, ...options });
  try {
    await w.start();
    await fn(rec, w);
  } finally {
    await w.stop();
  }
  return rec;
}

test('isManifestName() takes *.yaml, *.yml, *.json in any case, and leaves out dotfiles, backups and swap files', () => {
  for (const n of ['a.yaml', 'a.yml', 'a.json', 'A.YAML', 'kube-proxy.pod.yaml'])
    assert.ok(isManifestName(n), n);
  for (const n of [
    '.a.yaml',
    'a.yaml~',
    'a.yaml.swp',
    '.a.yaml.swp',
    'a.txt',
    'yaml',
    'a.yaml.bak',
    '4913',
    '#a.yaml#',
  ])
    assert.ok(!isManifestName(n), n);
});

test('StaticPodWatcher.start() reports the initial set once even when the directory is missing, and follows it once created and when removed', async (t) => {
  const dir = join(await tempDir(), 'manifests');
  const rec = await watching(dir, async (rec) => {
    assert.equal(rec.calls.length, 1, 'the initial (empty) set is reported');
    assert.equal(rec.last.size, 0);
    await mkdir(dir);
    await writeFile(join(dir, 'web.yaml'), pod('web'));
    t.diagnostic(
      `directory created: seen after ${await rec.waitFor('web.yaml', (f) => names(f).includes('web'))} ms`,
    );
    await rm(dir, { recursive: true });
    t.diagnostic(`directory removed: seen after ${await rec.waitFor('empty set', (f) => f.size === 0)} ms`);
    await writeFile(dir, 'a file where the directory was');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rec.last.size, 0, 'a file in place of the directory is an empty set');
  });
  assert.equal(rec.calls.length, 3, 'one call per change, none for the missing directory staying missing');
  assert.deepEqual(rec.errors, []);
});

test('StaticPodWatcher follows a file added, rewritten, replaced by rename, copied in, truncated then written, and removed, each once', async (t) => {
  const dir = await tempDir();
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  const src = join(await tempDir(), 'src.yaml');
  await writeFile(src, `${pod('copied-1')}---\n${pod('copied-2')}`);
  await watching(dir, async (rec) => {
    const step = async (what: string, change: () => Promise<void>, expected: string[]) => {
      const before = rec.calls.length;
      await change();
      const ms = await rec.waitFor(what, (f) => names(f).join() === expected.join());
      t.diagnostic(`${what}: seen after ${ms} ms`);
      assert.equal(rec.calls.length, before + 1, `${what}: onChange called once`);
    };
    // Writes from this process are synchronous: the test's own event loop cannot put a gap
    // between a truncate and its write (the slow-writer test below covers gaps).
    await step('add', async () => writeFileSync(a, pod('one')), ['one']);
    await step('rewrite in place', async () => writeFileSync(a, pod('two')), ['two']);
    await step('write a temp file and rename over it', async () => {
      writeFileSync(join(dir, '.a.yaml.tmp'), pod('three'));
      renameSync(join(dir, '.a.yaml.tmp'), a);
    }, ['three']);
    await step('cp', async () => void (await run('cp', [src, b])), ['three', 'copied-1', 'copied-2']);
    await step('truncate, then write', async () => {
      const fd = openSync(a, 'r+');
      ftruncateSync(fd, 0);
      writeSync(fd, pod('four'), 0);
      closeSync(fd);
    }, ['four', 'copied-1', 'copied-2']);
    await step('rm', () => rm(b), ['four']);
    assert.equal(rec.last.get(a)?.path, a);
    assert.match(rec.last.get(a)?.hash ?? '', /^[0-9a-f]{64}$/);
  });
});

test('StaticPodWatcher does not call onChange when a file is touched or rewritten with the same content', async () => {
  const dir = await tempDir();
  const a = join(dir, 'a.yaml');
  await writeFile(a, pod('same'));
  const rec = await watching(
    dir,
    async (rec) => {
      const hash = rec.last.get(a)?.hash;
      await utimes(a, new Date(), new Date());
      await writeFile(a, pod('same'));
      await new Promise((r) => setTimeout(r, 600)); // three polls and the debounce
      assert.equal(rec.last.get(a)?.hash, hash);
    },
    { pollMs: 200 },
  );
  assert.equal(rec.calls.length, 1);
});

test('StaticPodWatcher sees what inotify misses: a symlinked file edited where it lives, through the poll', async (t) => {
  const dir = await tempDir();
  const elsewhere = join(await tempDir(), 'real.yaml');
  await writeFile(elsewhere, pod('before'));
  await symlink(elsewhere, join(dir, 'linked.yaml'));
  await watching(dir, async (rec) => {
    assert.deepEqual(names(rec.last), ['before'], 'a symlink to a regular file is followed');
    assert.equal(rec.last.get(join(dir, 'linked.yaml'))?.path, join(dir, 'linked.yaml'));
    await writeFile(elsewhere, pod('after'));
    t.diagnostic(
      `edit behind a symlink: seen after ${await rec.waitFor('after', (f) => names(f).includes('after'))} ms`,
    );
  });
});

test('StaticPodWatcher reads only *.yaml, *.yml and *.json files directly in the directory', async () => {
  const dir = await tempDir();
  const outside = await tempDir();
  for (const [n, p] of [
    ['UPPER.YAML', 'upper'],
    ['x.yml', 'yml'],
    ['.hidden.yaml', 'hidden'],
    ['a.yaml~', 'backup'],
    ['a.yaml.swp', 'swap'],
    ['.a.yaml.swp', 'dotswap'],
    ['notes.txt', 'txt'],
  ] as const)
    await writeFile(join(dir, n), pod(p));
  await writeFile(
    join(dir, 'x.json'),
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'json' } }),
  );
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'nested.yaml'), pod('nested'));
  await mkdir(join(dir, 'dir.yaml'));
  await writeFile(join(outside, 'target.yaml'), pod('target'));
  await symlink(outside, join(dir, 'linkdir.yaml'));
  await watching(dir, async (rec) => {
    assert.deepEqual(
      [...rec.last.keys()].map((p) => p.slice(dir.length + 1)),
      ['UPPER.YAML', 'x.json', 'x.yml'],
    );
    assert.deepEqual(names(rec.last).sort(), ['json', 'upper', 'yml']);
  });
});

test('StaticPodWatcher gives one object per document (a List not unpacked), and a file:line:col error for a file that is not YAML', async (t) => {
  const dir = await tempDir();
  const multi = join(dir, 'multi.yaml');
  const bad = join(dir, 'bad.yaml');
  await writeFile(
    multi,
    `${pod('first')}---\n---\napiVersion: v1\nkind: List\nitems:\n- ${JSON.stringify({ kind: 'Pod', metadata: { name: 'in-list' } })}\n`,
  );
  await writeFile(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n');
  await writeFile(join(dir, 'binary.json'), Buffer.from([0x7b, 0x00, 0x7d]));
  await watching(dir, async (rec) => {
    const m = rec.last.get(multi);
    assert.equal(m?.objects.length, 2, 'the empty document is dropped, the List is one object');
    assert.equal((m?.objects[1] as { kind?: string } | undefined)?.kind, 'List');
    assert.equal(m?.error, undefined);
    const b = rec.last.get(bad);
    assert.match(b?.error ?? '', new RegExp(`^${bad}:\\d+:\\d+: invalid YAML`));
    assert.deepEqual(b?.objects, []);
    assert.match(rec.last.get(join(dir, 'binary.json'))?.error ?? '', /NUL bytes/);
    await writeFile(bad, pod('fixed'));
    t.diagnostic(`fix seen after ${await rec.waitFor('fixed', (f) => names(f).includes('fixed'))} ms`);
    assert.equal(rec.last.get(bad)?.error, undefined);
  });
});

test('StaticPodWatcher refuses a file over 32 MiB without reading it (a sparse 64 GiB file)', async () => {
  const dir = await tempDir();
  const big = join(dir, 'big.yaml');
  const over = join(dir, 'just-over.yaml');
  await writeFile(big, '');
  await truncate(big, 64 * 1024 ** 3);
  await writeFile(over, '');
  await truncate(over, 32 * 1024 * 1024 + 1);
  await writeFile(join(dir, 'ok.yaml'), pod('ok'));
  await watching(dir, async (rec) => {
    assert.match(rec.last.get(big)?.error ?? '', /68719476736 bytes, more than the 33554432-byte limit/);
    assert.match(rec.last.get(over)?.error ?? '', /33554433 bytes, more than the 33554432-byte limit/);
    assert.deepEqual(names(rec.last), ['ok']);
  });
});

test('StaticPodWatcher skips a FIFO in the directory and a symlink to one without blocking', async () => {
  const dir = await tempDir();
  const outside = await tempDir();
  await run('mkfifo', [join(dir, 'fifo.yaml')]);
  await run('mkfifo', [join(outside, 'fifo')]);
  await symlink(join(outside, 'fifo'), join(dir, 'to-fifo.yaml'));
  await writeFile(join(dir, 'ok.yaml'), pod('ok'));
  const rec = new Recorder();
  const w = new StaticPodWatcher({ dir, onChange: rec.onChange, onError: rec.onError });
  try {
    let timer: NodeJS.Timeout | undefined;
    const started = await Promise.race([
      w.start().then(() => true),
      new Promise<false>((r) => {
        timer = setTimeout(() => r(false), 5000);
      }),
    ]);
    clearTimeout(timer);
    assert.ok(started, 'start() returned: no FIFO was opened for a blocking read');
    assert.deepEqual([...rec.last.keys()], [join(dir, 'ok.yaml')]);
  } finally {
    await w.stop();
  }
});

test('StaticPodWatcher reports unreadable files with an error: a symlink loop, a dangling symlink, an I/O error', async () => {
  const dir = await tempDir();
  await symlink('loop.yaml', join(dir, 'loop.yaml'));
  await symlink(join(dir, 'missing-target'), join(dir, 'dangling.yaml'));
  // Reading /proc/self/mem at offset 0 (an unmapped address) fails with EIO: a real read error.
  await symlink('/proc/self/mem', join(dir, 'eio.yaml'));
  await writeFile(join(dir, 'ok.yaml'), pod('ok'));
  await watching(dir, async (rec) => {
    const err = (n: string) => rec.last.get(join(dir, n))?.error ?? '';
    assert.match(err('loop.yaml'), /too many levels of symbolic links/);
    assert.match(err('dangling.yaml'), /symbolic link to a file that does not exist/);
    assert.match(err('eio.yaml'), /input\/output error/);
    assert.equal(rec.last.get(join(dir, 'eio.yaml'))?.hash, '');
    assert.deepEqual(names(rec.last), ['ok']);
  });
});

test('StaticPodWatcher does not parse a file while it is being written (another process appends a document every 20 ms)', async (t) => {
  const dir = await tempDir();
  const f = join(dir, 'slow.yaml');
  const docs = Array.from({ length: 12 }, (_, i) => `${pod(`p${i}`)}---\n`);
  const writer = `
    const fs = require('node:fs');
    const docs = JSON.parse(process.argv[1]);
    const fd = fs.openSync(${JSON.stringify(f)}, 'w');
    for (const d of docs) { fs.writeSync(fd, d); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); }
    fs.closeSync(fd);`;
  await watching(
    dir,
    async (rec) => {
      const child = spawn(process.execPath, ['-e', writer, JSON.stringify(docs)], { stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      assert.equal(code, 0);
      t.diagnostic(
        `complete file seen ${await rec.waitFor('12 pods', (f) => names(f).length === 12)} ms after the writer ended`,
      );
      const seen = rec.calls.map((c) => c.get(f)?.objects.length).filter((n) => n !== undefined);
      assert.deepEqual(seen, [12], 'only the complete file was ever reported');
    },
    { debounceMs: 500, pollMs: 100 },
  );
});

test('StaticPodWatcher.stop() ends following: no call after it, and an onChange that throws goes to onError', async () => {
  const dir = await tempDir();
  const errors: RuntimeError[] = [];
  let calls = 0;
  const w = new StaticPodWatcher({
    dir,
    pollMs: 50,
    onChange: () => {
      calls++;
      throw new Error('apply failed');
    },
    onError: (e) => errors.push(e),
  });
  await w.start();
  assert.equal(calls, 1);
  assert.equal(errors[0]?.code, 'Internal');
  assert.match(errors[0]?.message ?? '', /apply failed/);
  await w.stop();
  await writeFile(join(dir, 'late.yaml'), pod('late'));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(calls, 1);
  await assert.rejects(w.start(), /already started/);
});
