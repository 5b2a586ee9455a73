import type { Command } from 'commander';
import { RuntimeError } from '../../errors.ts';
import type { PullEvent, PullResult } from '../../image/pull.ts';
import { parsePlatform } from '../../oci/platform.ts';
import { parseReference } from '../../oci/reference.ts';
import { type CliContext, err, out } from '../io.ts';
import { daemonIfRunning, rootOption, socketFlag } from './daemon-common.ts';
import {
  openImageStores,
  registryConfigDir,
  registryConfigDirOption,
  resolveStateRoot,
} from './images-common.ts';

interface PullFlags {
  platform?: string;
  insecureRegistry: string[];
  registryConfigDir?: string;
  quiet?: boolean;
  root?: string;
  concurrency: string;
}

export function registerPull(program: Command, ctx: CliContext): void {
  program
    .command('pull')
    .summary('pull an image from a registry')
    .description(
      'Pull an image by tag or digest from an OCI registry into the content store (docs/images.md). ' +
        'Credentials come from $DOCKER_CONFIG/config.json or ~/.docker/config.json. Registries on ' +
        'loopback addresses are reached over plain HTTP, every other one over HTTPS unless named ' +
        "with --insecure-registry. Short names are Docker Hub's (busybox is " +
        'docker.io/library/busybox:latest, served by registry-1.docker.io). Mirrors and ' +
        'per-registry TLS come from <registry>/hosts.toml under --registry-config-dir, as ' +
        'containerd reads them. An interrupted pull resumes where it stopped.',
    )
    .argument('<reference>', 'image reference, e.g. 127.0.0.1:5000/tools/agent:1.2 or NAME@sha256:…')
    .option(
      '--platform <os/arch[/variant]>',
      'manifest to pull from a multi-platform image (default: this host)',
    )
    .option(
      '--insecure-registry <host>',
      'reach this registry over plain HTTP (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addOption(registryConfigDirOption())
    .option('--concurrency <n>', 'layers downloaded at once', '3')
    .option('-q, --quiet', 'print only the manifest digest')
    .addOption(rootOption())
    .addOption(socketFlag())
    .action(async (reference: string, flags: PullFlags) => {
      const ref = parseReference(reference);
      // With a daemon, it pulls (for its pods' platform, with its registry settings).
      if (
        flags.platform === undefined &&
        flags.insecureRegistry.length === 0 &&
        flags.registryConfigDir === undefined
      ) {
        const daemon = await daemonIfRunning(flags, ctx);
        if (daemon) {
          if (!flags.quiet) err(ctx, `pulling ${reference} through the daemon`);
          const v = await daemon.pullImage(reference);
          out(
            ctx,
            flags.quiet ? v.manifestDigest : `${v.reference} ${v.manifestDigest} ${v.os}/${v.architecture}`,
          );
          return;
        }
      }
      const platform = flags.platform !== undefined ? parsePlatform(flags.platform) : undefined;
      const concurrency = Number.parseInt(flags.concurrency, 10);
      if (!(concurrency >= 1 && concurrency <= 32)) {
        throw new RuntimeError(
          'InvalidArgument',
          `Invalid --concurrency ${JSON.stringify(flags.concurrency)}: give 1 to 32`,
        );
      }
      const { content, images } = openImageStores(resolveStateRoot(flags.root, ctx));
      // Loaded here, not at start-up: other commands need neither the HTTP client nor the bars.
      const [
        { pullImage },
        { RegistryClient },
        { loadDockerCredentials },
        { barPullPrinter, formatPulled, plainPullPrinter },
      ] = await Promise.all([
        import('../../image/pull.ts'),
        import('../../image/registry/client.ts'),
        import('../../image/registry/docker-config.ts'),
        import('./pull-output.ts'),
      ]);
      const credentials = await loadDockerCredentials(ctx.env);
      const configDir = await registryConfigDir(flags.registryConfigDir, ctx);
      let onEvent: ((e: PullEvent) => void) | undefined;
      let stopBars = () => {};
      if (!flags.quiet) {
        if (ctx.stderr.isTTY) {
          const bars = barPullPrinter(ctx.stderr);
          onEvent = bars.onEvent;
          stopBars = () => bars.stop();
        } else {
          onEvent = plainPullPrinter((l) => err(ctx, l));
        }
      }
      const client = new RegistryClient({
        insecureRegistries: flags.insecureRegistry,
        registryConfigDir: configDir,
        credentials,
        ...(onEvent ? { onRetry: (i) => onEvent({ type: 'retry', ...i }) } : {}),
      });
      let result: PullResult;
      try {
        result = await pullImage(ref, {
          content,
          images,
          client,
          concurrency,
          ...(platform ? { platform } : {}),
          ...(onEvent ? { onEvent } : {}),
        });
      } finally {
        stopBars();
        await client.close();
      }
      for (const w of result.warnings) err(ctx, `hostpod: warning: ${w}`);
      out(ctx, flags.quiet ? result.manifestDigest : formatPulled(result));
    });
}
