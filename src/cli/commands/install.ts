import type { Command } from 'commander';
import { containerdDropIn, runtimeClassManifest, writeInstall } from '../../containerd/install.ts';
import { RuntimeError } from '../../errors.ts';
import { type CliContext, out } from '../io.ts';

/** `hostpod install containerd-runtime`: the containerd drop-in and the RuntimeClass (docs/kubernetes.md). */
export function registerInstall(program: Command, ctx: CliContext): void {
  const install = program.command('install').description('set hostpod up as part of a node');
  install
    .command('containerd-runtime')
    .description(
      'print (or write with --write DIR) the containerd config drop-in registering hostpod as the "hostprocess" runtime, and the RuntimeClass manifest',
    )
    .option(
      '--write <dir>',
      'write hostpod.toml and hostpod-runtimeclass.yaml into DIR (e.g. /etc/containerd/conf.d)',
    )
    .option(
      '--shim-path <path>',
      "absolute path of containerd-shim-hostpod-v1 when it is not on containerd's PATH",
    )
    .action(async (flags: { write?: string; shimPath?: string }) => {
      const options = flags.shimPath === undefined ? {} : { shimPath: flags.shimPath };
      if (flags.write !== undefined) {
        if (flags.write === '') throw new RuntimeError('InvalidArgument', '--write needs a directory');
        for (const p of await writeInstall(flags.write, options)) out(ctx, `wrote ${p}`);
        out(
          ctx,
          `containerd reads the drop-in when its config has: imports = ["${flags.write}/*.toml"]; then restart containerd and kubectl apply -f ${flags.write}/hostpod-runtimeclass.yaml`,
        );
        return;
      }
      ctx.stdout.write(
        `${containerdDropIn(options)}---\n# kubectl apply -f - with:\n${runtimeClassManifest()}`,
      );
    });
}
