import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { RuntimeError } from '../../errors.ts';
import { type PullEvent, type PullResult, pullImage } from '../../image/pull.ts';
import { RegistryClient } from '../../image/registry/client.ts';
import { loadDockerCredentials } from '../../image/registry/docker-config.ts';
import { shortDigest } from '../../oci/digest.ts';
import { parsePlatform } from '../../oci/platform.ts';
import { parseReference } from '../../oci/reference.ts';
import { type CliContext, err, out } from '../io.ts';
import { humanSize, openImageStores, resolveStateRoot } from './images-common.ts';

interface PullFlags {
  platform?: string;
  insecureRegistry: string[];
  quiet?: boolean;
  root?: string;
  concurrency: string;
}

/** Renders pull events as plain lines (not a terminal): one per blob outcome and retry. */
export function plainPullPrinter(write: (line: string) => void): (e: PullEvent) => void {
  const labels = new Map<string, string>();
  return (e) => {
    switch (e.type) {
      case 'resolved': {
        let layer = 0;
        const layers = e.blobs.filter((b) => b.role === 'layer').length;
        for (const b of e.blobs) {
          labels.set(b.digest, b.role === 'config' ? 'config' : `layer ${++layer}/${layers}`);
        }
        write(
          `Resolved ${e.reference} to ${e.manifestDigest} (${e.platform}${e.indexDigest ? `, from index ${e.indexDigest}` : ''})`,
        );
        break;
      }
      case 'blob-start':
        if (e.offset > 0) {
          write(
            `${shortDigest(e.digest)}: ${labels.get(e.digest)} resuming at ${humanSize(e.offset)} of ${humanSize(e.size)}`,
          );
        }
        break;
      case 'blob-done':
        write(
          `${shortDigest(e.digest)}: ${labels.get(e.digest)} ${humanSize(e.size)} ${e.status === 'exists' ? 'already present' : 'downloaded'}`,
        );
        break;
      case 'retry':
        write(`retry ${e.attempt}: ${e.what} in ${e.delayMs} ms (${e.reason})`);
        break;
      case 'blob-progress':
        break;
    }
  };
}

/** Renders pull events as one progress bar per blob on a terminal (cli-progress). */
export function barPullPrinter(stream: NodeJS.WritableStream): {
  onEvent: (e: PullEvent) => void;
  stop(): void;
} {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: ' {id} {label} [{bar}] {percentage}% | {done}/{size}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    onEvent(e) {
      if (e.type === 'resolved') {
        let layer = 0;
        const layers = e.blobs.filter((b) => b.role === 'layer').length;
        for (const b of e.blobs) {
          const label = b.role === 'config' ? 'config     ' : `layer ${++layer}/${layers}`;
          bars.set(
            b.digest,
            multi.create(b.size, 0, {
              id: shortDigest(b.digest),
              label,
              done: '0B',
              size: humanSize(b.size),
            }),
          );
        }
      } else if (e.type === 'blob-progress' || e.type === 'blob-start') {
        const done = e.type === 'blob-progress' ? e.done : e.offset;
        bars.get(e.digest)?.update(done, { done: humanSize(done) });
      } else if (e.type === 'blob-done') {
        const label = e.status === 'exists' ? 'present' : 'done';
        bars.get(e.digest)?.update(e.size, { done: `${humanSize(e.size)} ${label}` });
      } else if (e.type === 'retry') {
        multi.log(`retry ${e.attempt}: ${e.what} in ${e.delayMs} ms (${e.reason})\n`);
      }
    },
    stop() {
      multi.stop();
    },
  };
}

/** The summary line printed on stdout after a pull. */
export function formatPulled(r: PullResult): string {
  const total = r.fetchedBlobs + r.reusedBlobs;
  return `Pulled ${r.reference} ${r.manifestDigest} (${r.platform}, ${humanSize(r.size)}; downloaded ${humanSize(r.downloadedBytes)}, reused ${r.reusedBlobs} of ${total} blobs)`;
}

export function registerPull(program: Command, ctx: CliContext): void {
  program
    .command('pull')
    .summary('pull an image from a registry')
    .description(
      'Pull an image by tag or digest from an OCI registry into the content store (docs/images.md).\n' +
        'Credentials come from $DOCKER_CONFIG/config.json or ~/.docker/config.json. Registries on\n' +
        'loopback addresses are reached over plain HTTP, every other one over HTTPS unless named\n' +
        'with --insecure-registry. An interrupted pull resumes where it stopped.',
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
    .option('--concurrency <n>', 'layers downloaded at once', '3')
    .option('-q, --quiet', 'print only the manifest digest')
    .option('--root <dir>', 'state root (default $HOSTPOD_ROOT or /var/lib/hostpod)')
    .action(async (reference: string, flags: PullFlags) => {
      const ref = parseReference(reference);
      const platform = flags.platform !== undefined ? parsePlatform(flags.platform) : undefined;
      const concurrency = Number.parseInt(flags.concurrency, 10);
      if (!(concurrency >= 1 && concurrency <= 32)) {
        throw new RuntimeError(
          'InvalidArgument',
          `Invalid --concurrency ${JSON.stringify(flags.concurrency)}: give 1 to 32`,
        );
      }
      const { content, images } = openImageStores(resolveStateRoot(flags.root, ctx));
      const credentials = await loadDockerCredentials(ctx.env);
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
      }
      out(ctx, flags.quiet ? result.manifestDigest : formatPulled(result));
    });
}
