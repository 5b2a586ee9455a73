import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  removeImageContent
} from "./chunk-QATSEMPG.js";
import {
  daemonIfRunning,
  rootOption,
  socketFlag
} from "./chunk-IGGLMBAQ.js";
import {
  humanSize,
  openImageStores,
  resolveStateRoot
} from "./chunk-6GZCWAFW.js";
import {
  EXIT
} from "./chunk-Q3JZVMAS.js";
import {
  err,
  out
} from "./chunk-WDHOOICP.js";
import {
  familiarString,
  parseReference,
  shortDigest
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/cli/commands/rmi.ts
function formatGc(r, dryRun = false) {
  const verb = dryRun ? "Would delete" : "Deleted";
  const lines = [
    ...r.removedBlobs.map((b) => `${verb} blob ${b.digest} (${humanSize(b.size)})`),
    ...r.removedPartials.map((b) => `${verb} partial download ${b.digest} (${humanSize(b.size)})`),
    ...r.removedLayers.map((c) => `${verb} unpacked layer ${c}`)
  ];
  if (r.keptForLease > 0) lines.push(`Kept ${r.keptForLease} new blobs: a pull is in progress`);
  lines.push(`${dryRun ? "Reclaimable" : "Total reclaimed"} space: ${humanSize(r.reclaimedBytes)}`);
  return lines;
}
function registerRmi(program, ctx) {
  program.command("rmi").summary("remove images").description(
    "Remove images by name, id or digest. A name removes that name; an id or digest removes every\nname of the image. The removed images' blobs and unpacked layers that no other image needs\nare then deleted (unless --no-prune). Exit code 3 when a name was not found (the others are\nstill removed)."
  ).argument("<image...>", "image names, ids or digests").option("--no-prune", "keep the blobs; only remove the names").addOption(rootOption()).addOption(socketFlag()).action(async (queries, flags) => {
    const daemon = await daemonIfRunning(flags, ctx);
    if (daemon && !flags.prune)
      throw new RuntimeError(
        "InvalidArgument",
        "rmi --no-prune works on a state root directly, not through the daemon (which always removes unused blobs)",
        { hint: "add --root DIR (the daemon's state root) to keep the blobs" }
      );
    if (daemon) {
      let missing2 = 0;
      for (const q of queries) {
        try {
          for (const name of (await daemon.removeImage(q)).removed) out(ctx, `Untagged: ${name}`);
        } catch (e) {
          if (!(e instanceof RuntimeError) || e.code !== "NotFound") throw e;
          err(ctx, `hostpod: Image "${q}" not found`);
          missing2++;
        }
      }
      if (missing2 > 0) ctx.exitCode = EXIT.notFound;
      return;
    }
    const root = resolveStateRoot(flags.root, ctx);
    const { content, images } = openImageStores(root);
    let missing = 0;
    const removedAll = [];
    for (const q of queries) {
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
          `Untagged: ${r.name ? familiarString(parseReference(r.name)) : `${shortDigest(r.configDigest)} (no name)`}`
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

export {
  formatGc,
  registerRmi
};
