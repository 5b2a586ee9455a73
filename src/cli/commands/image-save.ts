import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { type Command, Option } from 'commander';
import { RuntimeError } from '../../errors.ts';
import type { ArchiveFormat } from '../../image/save.ts';
import { type CliContext, err } from '../io.ts';
import { imageCommandGroup, openImageStores, resolveStateRoot } from './images-common.ts';

interface SaveFlags {
  output?: string;
  format: ArchiveFormat;
  root?: string;
  quiet?: boolean;
}

export function registerImageSave(program: Command, ctx: CliContext): void {
  imageCommandGroup(program)
    .command('save')
    .summary('write images to an OCI archive or a docker save archive')
    .description(
      'Write one or more images (names, ids or digests, as `hostpod images` shows them) into one ' +
        'tar archive, as `podman save` and `ctr export` write them: --format oci-archive (an OCI ' +
        'image layout; each name in index.json) or docker-archive (manifest.json, the config, ' +
        'uncompressed layer tars; what `docker load` reads). Both load with podman load, skopeo, ' +
        'ctr import and hostpod image import. The archive goes to -o FILE (written whole, then ' +
        'renamed into place) or to stdout, never to a terminal. docs/images.md.',
    )
    .argument('<image...>', 'images to save')
    .option('-o, --output <file>', 'write the archive to FILE (default: stdout)')
    .addOption(
      new Option('--format <format>', 'archive format')
        .choices(['oci-archive', 'docker-archive'])
        .default('docker-archive'),
    )
    .option('-q, --quiet', 'print nothing on stderr')
    .option('--root <dir>', 'state root (default $HOSTPOD_ROOT or /var/lib/hostpod)')
    .action(async (names: string[], flags: SaveFlags) => {
      if (flags.output === undefined && ctx.stdout.isTTY) {
        throw new RuntimeError('InvalidArgument', 'Refusing to write an image archive to a terminal', {
          hint: 'give -o FILE, or redirect stdout: hostpod image save IMAGE > image.tar',
        });
      }
      const root = resolveStateRoot(flags.root, ctx);
      const { content, images } = openImageStores(root);
      const { saveImages } = await import('../../image/save.ts');
      const opts = { content, images, format: flags.format, tmpDir: join(root, 'tmp') };
      if (flags.output === undefined) {
        const saved = await saveImages(names, ctx.stdout, opts);
        if (!flags.quiet) for (const s of saved) err(ctx, `Saved ${s.names.join(', ') || s.digest}`);
        return;
      }
      const file = resolve(ctx.cwd, flags.output);
      const tmp = `${file}.hostpod-${process.pid}-${randomBytes(4).toString('hex')}`;
      const out = createWriteStream(tmp, { flags: 'wx' });
      try {
        const saved = await saveImages(names, out, opts);
        out.end();
        await finished(out);
        await rename(tmp, file);
        if (!flags.quiet)
          for (const s of saved) err(ctx, `Saved ${s.names.join(', ') || s.digest} to ${file}`);
      } catch (e) {
        out.destroy();
        await rm(tmp, { force: true });
        throw e;
      }
    });
}
