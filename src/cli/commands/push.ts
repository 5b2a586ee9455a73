import type { Command } from 'commander';
import { RuntimeError } from '../../errors.ts';
import type { PushEvent, PushResult } from '../../image/push.ts';
import { shortDigest } from '../../oci/digest.ts';
import { parseReference } from '../../oci/reference.ts';
import { type CliContext, err, out } from '../io.ts';
import {
  humanSize,
  openImageStores,
  registryConfigDir,
  registryConfigDirOption,
  resolveStateRoot,
} from './images-common.ts';

interface PushFlags {
  insecureRegistry: string[];
  registryConfigDir?: string;
  chunkSize?: string;
  quiet?: boolean;
  root?: string;
}

/** One stderr line per finished blob, as pull prints them. */
function pushLine(e: Extract<PushEvent, { type: 'blob-done' }>): string {
  const what = { pushed: 'pushed', exists: 'already in the registry', mounted: 'mounted' }[e.status];
  return `${shortDigest(e.digest)}: ${e.label} ${humanSize(e.size)} ${what}`;
}

/** The summary line on stdout. */
export function formatPushed(r: PushResult): string {
  const parts = [
    `${r.pushedBlobs} uploaded (${humanSize(r.pushedBytes)})`,
    `${r.existingBlobs} already there`,
  ];
  if (r.mountedBlobs > 0) parts.push(`${r.mountedBlobs} mounted`);
  return `Pushed ${r.reference} ${r.manifestDigest} (blobs: ${parts.join(', ')})`;
}

export function registerPush(program: Command, ctx: CliContext): void {
  program
    .command('push')
    .summary('push an image to a registry')
    .description(
      'Push IMAGE (a name, id or digest from `hostpod images`) to DESTINATION, a reference ' +
        '(default: the image’s own name). Blobs the registry has are skipped (HEAD); blobs of ' +
        'another repository of the same registry are mounted; others are uploaded in one PUT, ' +
        'or in --chunk-size PATCHes. The same credentials as pull ($DOCKER_CONFIG/config.json ' +
        'or ~/.docker/config.json; basic or bearer) and the same hosts.toml (the first host ' +
        'with the "push" capability). docs/images.md.',
    )
    .argument('<image>', 'the image: a name, id (≥ 4 hex) or digest')
    .argument('[destination]', 'where to push it, e.g. 127.0.0.1:5000/tools/agent:1.2')
    .option(
      '--insecure-registry <host>',
      'reach this registry over plain HTTP (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addOption(registryConfigDirOption())
    .option('--chunk-size <bytes>', 'upload blobs in PATCH chunks of this size (default: one PUT per blob)')
    .option('-q, --quiet', 'print only the manifest digest')
    .option('--root <dir>', 'state root (default $HOSTPOD_ROOT or /var/lib/hostpod)')
    .action(async (image: string, destination: string | undefined, flags: PushFlags) => {
      if (destination !== undefined) parseReference(destination);
      let chunkSize: number | undefined;
      if (flags.chunkSize !== undefined) {
        chunkSize = Number(flags.chunkSize);
        if (!Number.isSafeInteger(chunkSize) || chunkSize < 1024) {
          throw new RuntimeError(
            'InvalidArgument',
            `Invalid --chunk-size ${JSON.stringify(flags.chunkSize)}: give a number of bytes, at least 1024`,
          );
        }
      }
      const configDir = await registryConfigDir(flags.registryConfigDir, ctx);
      const { content, images } = openImageStores(resolveStateRoot(flags.root, ctx));
      const [{ pushImage }, { RegistryClient }, { loadDockerCredentials }] = await Promise.all([
        import('../../image/push.ts'),
        import('../../image/registry/client.ts'),
        import('../../image/registry/docker-config.ts'),
      ]);
      const credentials = await loadDockerCredentials(ctx.env);
      const say = (l: string) => {
        if (!flags.quiet) err(ctx, l);
      };
      const client = new RegistryClient({
        insecureRegistries: flags.insecureRegistry,
        registryConfigDir: configDir,
        credentials,
        onRetry: (i) => say(`retrying ${i.what} in ${i.delayMs} ms (attempt ${i.attempt}): ${i.reason}`),
      });
      let result: PushResult;
      try {
        result = await pushImage(image, destination, {
          content,
          images,
          client,
          ...(chunkSize !== undefined ? { chunkSize } : {}),
          onEvent: (e) => {
            if (e.type === 'resolved') say(`Pushing ${e.manifestDigest} to ${e.reference}`);
            if (e.type === 'blob-done') say(pushLine(e));
          },
        });
      } finally {
        await client.close();
      }
      for (const n of result.notes) say(`note: ${n}`);
      out(ctx, flags.quiet ? result.manifestDigest : formatPushed(result));
    });
}
