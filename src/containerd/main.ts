#!/usr/bin/env node
/**
 * `containerd-shim-hostpod-v1`: containerd's runtime v2 shim for `io.containerd.hostpod.v1`
 * (see README.md). The only file of this folder that reads process.argv/env or exits.
 */
import { describeError } from '../errors.ts';
import { parseShimArgs } from './shim-args.ts';
import type { ShimEnv } from './shim-start.ts';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('-v') || argv.includes('--version')) {
    process.stdout.write('containerd-shim-hostpod-v1 (hostpod)\n');
    return 0;
  }
  const args = parseShimArgs(argv);
  const env: ShimEnv = {
    root: process.env.HOSTPOD_CONTAINERD_ROOT || '/run/hostpod/containerd',
    layout: process.env.HOSTPOD_CONTAINERD_LAYOUT === 'symlink' ? 'symlink' : 'bind',
    ttrpcAddress: process.env.TTRPC_ADDRESS || undefined,
    debug: process.env.HOSTPOD_CONTAINERD_DEBUG === '1',
  };
  // Each command loads only what it needs: `start` and `delete` are on containerd's critical
  // path (delete under a 5 s deadline), so they stay clear of the server's modules.
  if (args.command === 'start') {
    const { startCommand } = await import('./shim-start.ts');
    const address = await startCommand(args, env, {
      node: process.execPath,
      script: process.argv[1] as string,
      cwd: process.cwd(),
    });
    process.stdout.write(address);
    return 0;
  }
  if (args.command === 'delete') {
    const { deleteCommand } = await import('./shim-commands.ts');
    process.stdout.write(await deleteCommand(args, env));
    return 0;
  }
  process.on('SIGPIPE', () => {});
  const { serveCommand } = await import('./shim-commands.ts');
  const { closed } = await serveCommand(args, env);
  await closed;
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    if (process.argv.includes('serve')) process.exit(code);
  },
  (err: unknown) => {
    // containerd reads stdout+stderr together as the answer of start: one line, the reason.
    process.stderr.write(`containerd-shim-hostpod-v1: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
