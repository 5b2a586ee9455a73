import { type Command, Option } from 'commander';
import { collectGarbage } from '../../image/gc.ts';
import { type CliContext, err, out } from '../io.ts';
import { imageCommandGroup, openImageStores, resolveStateRoot } from './images-common.ts';
import { formatGc } from './rmi.ts';

export function registerImagePrune(program: Command, ctx: CliContext): void {
  imageCommandGroup(program)
    .command('prune')
    .summary('delete blobs and unpacked layers no image needs')
    .description(
      'Garbage-collect the content store: delete every blob no image references (manifests, ' +
        'configs, layers), partial downloads no running pull holds, and unpacked layers no image ' +
        'needs. Blobs a running pull has just written are kept (docs/images.md).',
    )
    .option('--dry-run', 'only list what would be deleted')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--root <dir>', 'state root (default $HOSTPOD_ROOT or /var/lib/hostpod)')
    .action(async (flags: { dryRun?: boolean; output: string; root?: string }) => {
      const root = resolveStateRoot(flags.root, ctx);
      const { content, images } = openImageStores(root);
      const r = await collectGarbage(root, content, images, { dryRun: flags.dryRun === true });
      if (flags.output === 'json') out(ctx, JSON.stringify(r, null, 2));
      else for (const l of formatGc(r, flags.dryRun === true)) out(ctx, l);
      for (const p of r.problems) err(ctx, `warning: ${p}`);
    });
}
