import { type Command, Option } from 'commander';
import type { ImageRecord } from '../../image/image-store.ts';
import { type Digest, shortDigest } from '../../oci/digest.ts';
import { familiarString, makeReference, parseReference } from '../../oci/reference.ts';
import { type CliContext, out } from '../io.ts';
import { daemonIfRunning, rootOption, socketFlag } from './daemon-common.ts';
import { formatTable, humanSize, openImageStores, resolveStateRoot, timeAgo } from './images-common.ts';

/** REPOSITORY and TAG columns of a record: `busybox` / `latest`; `<none>` where there is none. */
export function repoAndTag(r: ImageRecord): [string, string] {
  if (r.name === '') return ['<none>', '<none>'];
  const ref = parseReference(r.name);
  return [familiarString(makeReference(ref.domain, ref.path)), ref.tag ?? '<none>'];
}

/** The rows of `hostpod images` (table, wide) as text lines. */
export function formatImages(records: readonly ImageRecord[], wide: boolean, now: Date): string[] {
  const header = ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'];
  if (wide) header.push('PLATFORM', 'DIGEST');
  const rows = records.map((r) => {
    const [repo, tag] = repoAndTag(r);
    const row = [repo, tag, shortDigest(r.configDigest), timeAgo(r.created, now), humanSize(r.size)];
    if (wide) row.push(r.platform, r.indexDigest ?? r.digest);
    return row;
  });
  return formatTable(header, rows);
}

export function registerImages(program: Command, ctx: CliContext): void {
  program
    .command('images')
    .summary('list images')
    .description(
      'List the images in the image store: repository, tag, image id (the config digest, short), ' +
        'when the image was created, and its size (config + compressed layers). -o wide adds the ' +
        'platform and the repository digest; -o json prints the records (docs/images.md).',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'wide', 'json'])
        .default('table'),
    )
    .option('-q, --quiet', 'print only image ids')
    .addOption(rootOption())
    .addOption(socketFlag())
    .action(async (flags: { output: string; quiet?: boolean; root?: string; socket?: string }) => {
      const daemon = await daemonIfRunning(flags, ctx);
      const list: ImageRecord[] = daemon
        ? (await daemon.listImages()).map((v) => ({
            name: v.reference,
            digest: v.manifestDigest as Digest,
            configDigest: v.configDigest as Digest,
            platform: `${v.os}/${v.architecture}`,
            size: v.size,
            ...(v.createdAt ? { created: v.createdAt } : {}),
            updatedAt: '',
          }))
        : await openImageStores(resolveStateRoot(flags.root, ctx)).images.list();
      if (flags.quiet) {
        for (const id of new Set(list.map((r) => shortDigest(r.configDigest)))) out(ctx, id);
      } else if (flags.output === 'json') {
        out(ctx, JSON.stringify(list, null, 2));
      } else {
        for (const l of formatImages(list, flags.output === 'wide', new Date())) out(ctx, l);
      }
    });
}
