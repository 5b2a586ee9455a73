import { posix } from 'node:path';
import { RuntimeError } from '../../errors.ts';
import { normalizeSeparators, replaceSandboxTokens } from './tokens.ts';
import type { Probe } from './types.ts';

export interface ArgvInput {
  /** For messages. */
  name: string;
  command: readonly string[];
  args: readonly string[];
  entrypoint?: readonly string[] | undefined;
  cmd?: readonly string[] | undefined;
}

/**
 * The argv as Kubernetes defines it from the container and the image: `command` replaces the
 * image Entrypoint and drops its Cmd; `args` alone replace the Cmd; neither → Entrypoint + Cmd.
 * Throws InvalidArgument when the result is empty.
 */
export function selectArgv(input: ArgvInput): string[] {
  let argv: string[];
  if (input.command.length > 0) argv = [...input.command, ...input.args];
  else if (input.args.length > 0) argv = [...(input.entrypoint ?? []), ...input.args];
  else argv = [...(input.entrypoint ?? []), ...(input.cmd ?? [])];
  if (argv.length === 0) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot start container "${input.name}": no command specified`,
      {
        hint: 'set command or args in the container, or use an image with an Entrypoint or Cmd',
      },
    );
  }
  return argv;
}

/**
 * Replaces the sandbox tokens in every argument, and turns `\` into `/` in argv[0] only: the
 * program path may be written Windows-style (`%CONTAINER_SANDBOX_MOUNT_POINT%\bin\app`), but
 * an argument may be a regex or a literal whose backslashes matter.
 */
export function expandArgv(argv: readonly string[], mountPoint: string): string[] {
  return argv.map((a, i) => {
    const r = replaceSandboxTokens(a, mountPoint);
    return i === 0 ? normalizeSeparators(r) : r;
  });
}

export interface ResolveExecutableOptions {
  /** The working directory, as the process sees it. */
  cwd: string;
  /** The final PATH value (with the workspace appended). */
  path: string;
  /** Looks at a path as the process will see it. */
  probe: Probe;
  /** The container name, for messages. */
  container: string;
}

/**
 * Finds the program the process will run, as an absolute path in the container's view.
 * A name with a `/` is taken as is (relative to the working dir when not absolute); a bare
 * name is looked up in the working dir first, then in each PATH entry (empty and relative
 * entries are relative to the working dir). A directory found instead of a file is skipped
 * during the search and reported if nothing else is found.
 * Throws NotFound `failed to find executable "<name>"`, or FailedPrecondition
 * `found directory instead of executable "<path>"`.
 */
export async function resolveExecutable(name: string, options: ResolveExecutableOptions): Promise<string> {
  const prefix = `Cannot start container "${options.container}": `;
  const notFound = () =>
    new RuntimeError('NotFound', `${prefix}failed to find executable "${name}"`, {
      hint: `the program is looked up in the working directory "${options.cwd}", then in PATH (which ends with the workspace)`,
    });
  const isDir = (p: string) =>
    new RuntimeError('FailedPrecondition', `${prefix}found directory instead of executable "${p}"`, {
      hint: 'point the command at a file',
    });
  if (name === '' || name.includes('\0')) throw notFound();
  const inCwd = (p: string) => posix.normalize(p.startsWith('/') ? p : `${options.cwd}/${p}`);
  if (name.includes('/')) {
    const p = inCwd(name);
    const kind = await options.probe(p);
    if (kind === 'file') return p;
    if (kind === 'dir') throw isDir(p);
    throw notFound();
  }
  const seen = new Set<string>();
  let firstDir: string | undefined;
  for (const dir of [options.cwd, ...options.path.split(':')]) {
    const p = inCwd(`${dir === '' ? '.' : dir}/${name}`);
    if (seen.has(p)) continue;
    seen.add(p);
    const kind = await options.probe(p);
    if (kind === 'file') return p;
    if (kind === 'dir') firstDir ??= p;
  }
  if (firstDir !== undefined) throw isDir(firstDir);
  throw notFound();
}
