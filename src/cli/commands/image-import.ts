import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { LocalContentStore } from '../../image/content-store.ts';
import { ImageStore } from '../../image/image-store.ts';
import { checkTag, type ImportedImage, importImage } from '../../image/import.ts';
import { hostDefaults } from '../../lib/host-os.ts';
import { prepareStateRoot } from '../../lib/state-root.ts';
import { parsePlatform } from '../../oci/platform.ts';
import { type CliContext, err, out } from '../io.ts';

/** The `image` command group, created by whichever image command registers first. */
export function imageGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'image') ??
    program.command('image').summary('manage images (import, save, build, inspect, prune)')
  );
}

/**
 * The state root: `--root`, else `$HOSTPOD_ROOT`, else /var/lib/hostpod — made, or its modes
 * tightened, first (`prepareStateRoot`).
 */
export function stateRoot(opt: string | undefined, ctx: CliContext): string {
  const root = resolve(ctx.cwd, opt ?? ctx.env.HOSTPOD_ROOT ?? hostDefaults().root);
  prepareStateRoot(root, ctx.uid);
  return root;
}

/** The stores under a state root: content at `<root>/content`, names at `<root>/images.json`. */
export function openStores(root: string): { content: LocalContentStore; images: ImageStore } {
  const content = new LocalContentStore(join(root, 'content'));
  return { content, images: new ImageStore(root, content) };
}

/** One line per imported image. */
export function formatImported(imgs: readonly ImportedImage[]): string[] {
  return imgs.map((i) => `Imported ${i.name || '(no name)'} ${i.digest} ${i.platform}`);
}

export function registerImageImport(program: Command, ctx: CliContext): void {
  imageGroup(program)
    .command('import')
    .summary('import an OCI layout, OCI archive or docker save archive')
    .description(
      'Import images from an OCI image layout directory, an OCI archive (a tar of one) or a ' +
        '`docker save` / `podman save` archive, gzip-compressed or not. Blobs are verified ' +
        'against their digests; names come from the archive or from --tag (docs/images.md).',
    )
    .argument('<path>', 'archive file or OCI layout directory')
    .option(
      '-t, --tag <name>',
      'name the image NAME[:TAG]; for a layout with several tags, REPO:TAG picks the image tagged TAG and REPO names each REPO:<its tag>',
    )
    .option('--platform <os/arch>', 'manifest to take from a multi-platform index (default: this host)')
    .option('-q, --quiet', 'print only the manifest digests')
    .option('--root <dir>', 'state root (default $HOSTPOD_ROOT or /var/lib/hostpod)')
    .action(
      async (path: string, opts: { tag?: string; platform?: string; quiet?: boolean; root?: string }) => {
        if (opts.tag !== undefined) checkTag(opts.tag);
        const platform = opts.platform !== undefined ? parsePlatform(opts.platform) : undefined;
        const root = stateRoot(opts.root, ctx);
        const { content, images } = openStores(root);
        const imgs = await importImage(resolve(ctx.cwd, path), content, images, {
          tmpDir: join(root, 'tmp'),
          ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
          ...(platform ? { platform } : {}),
        });
        if (opts.quiet) for (const i of imgs) out(ctx, i.digest);
        else for (const l of formatImported(imgs)) out(ctx, l);
        for (const n of new Set(imgs.flatMap((i) => i.notes))) err(ctx, `note: ${n}`);
      },
    );
}
