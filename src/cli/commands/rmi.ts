import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { RuntimeError } from '../../errors.ts';
import { type GcResult, removeImageContent } from '../../image/gc.ts';
import type { ImageRecord } from '../../image/image-store.ts';
import { shortDigest } from '../../oci/digest.ts';
import { familiarString, parseReference } from '../../oci/reference.ts';
import { assertImageUnused } from '../../services/image-use.ts';
import { openStateDb, stateDbPath } from '../../state/state-db.ts';
import { EXIT } from '../exit-codes.ts';
import { type CliContext, err, out } from '../io.ts';
import { daemonIfRunning, rootOption, socketFlag } from './daemon-common.ts';
import { humanSize, openImageStores, resolveStateRoot } from './images-common.ts';

/** Lines describing what garbage collection removed. */
export function formatGc(r: GcResult, dryRun = false): string[] {
  const verb = dryRun ? 'Would delete' : 'Deleted';
  const lines = [
    ...r.removedBlobs.map((b) => `${verb} blob ${b.digest} (${humanSize(b.size)})`),
    ...r.removedPartials.map((b) => `${verb} partial download ${b.digest} (${humanSize(b.size)})`),
    ...r.removedLayers.map((c) => `${verb} unpacked layer ${c}`),
  ];
  if (r.keptForLease > 0) lines.push(`Kept ${r.keptForLease} new blobs: a pull is in progress`);
  lines.push(`${dryRun ? 'Reclaimable' : 'Total reclaimed'} space: ${humanSize(r.reclaimedBytes)}`);
  return lines;
}

export function registerRmi(program: Command, ctx: CliContext): void {
  program
    .command('rmi')
    .summary('remove images')
    .description(
      'Remove images by name, id or digest. A name removes that name; an id or digest removes every ' +
        "name of the image. The removed images' blobs and unpacked layers that no other image needs " +
        'are then deleted (unless --no-prune). Exit code 3 when a name was not found (the others are ' +
        'still removed).',
    )
    .argument('<image...>', 'image names, ids or digests')
    .option('--no-prune', 'keep the blobs; only remove the names')
    .addOption(rootOption())
    .addOption(socketFlag())
    .action(async (queries: string[], flags: { prune: boolean; root?: string; socket?: string }) => {
      // With a daemon, it removes them (and refuses an image one of its pods uses).
      const daemon = await daemonIfRunning(flags, ctx);
      if (daemon && !flags.prune)
        throw new RuntimeError(
          'InvalidArgument',
          'rmi --no-prune works on a state root directly, not through the daemon (which always removes unused blobs)',
          { hint: "add --root DIR (the daemon's state root) to keep the blobs" },
        );
      if (daemon) {
        let missing = 0;
        for (const q of queries) {
          try {
            for (const name of (await daemon.removeImage(q)).removed) out(ctx, `Untagged: ${name}`);
          } catch (e) {
            if (!(e instanceof RuntimeError) || e.code !== 'NotFound') throw e;
            err(ctx, `hostpod: Image "${q}" not found`);
            missing++;
          }
        }
        if (missing > 0) ctx.exitCode = EXIT.notFound;
        return;
      }
      const root = resolveStateRoot(flags.root, ctx);
      const { content, images } = openImageStores(root);
      // The same check as the daemon's: no image a pod of this root may use (its stored pods,
      // the running containers of `hostpod run`), whatever name, id or digest names it.
      const db = existsSync(stateDbPath(root))
        ? openStateDb(stateDbPath(root), { readonly: true })
        : undefined;
      try {
        for (const q of queries) if (db) await assertImageUnused(images, q, db);
      } finally {
        db?.close();
      }
      let missing = 0;
      const removedAll: ImageRecord[] = [];
      for (const q of queries) {
        // An ambiguous id prefix throws here (FailedPrecondition) before anything is removed.
        await images.get(q);
        const removed = await images.remove(q);
        if (removed.length === 0) {
          err(ctx, `hostpod: Image "${q}" not found`);
          missing++;
          continue;
        }
        removedAll.push(...removed);
        for (const r of removed) {
          out(
            ctx,
            `Untagged: ${r.name ? familiarString(parseReference(r.name)) : `${shortDigest(r.configDigest)} (no name)`}`,
          );
        }
      }
      if (flags.prune) {
        const gc = await removeImageContent(root, content, images, removedAll);
        for (const b of gc.removedBlobs) out(ctx, `Deleted: ${b.digest}`);
      }
      if (missing > 0) ctx.exitCode = EXIT.notFound;
    });
}
