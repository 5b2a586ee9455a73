import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatGc
} from "./chunk-67753SCD.js";
import {
  collectGarbage
} from "./chunk-QATSEMPG.js";
import "./chunk-QSRDS6KI.js";
import "./chunk-4WSVR33Z.js";
import "./chunk-6VMJICQW.js";
import "./chunk-IGGLMBAQ.js";
import {
  imageCommandGroup,
  openImageStores,
  resolveStateRoot
} from "./chunk-6GZCWAFW.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import "./chunk-Q3JZVMAS.js";
import {
  err,
  out
} from "./chunk-WDHOOICP.js";
import {
  Option
} from "./chunk-QNVZHYAH.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import "./chunk-4PE76O5T.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/image-prune.ts
function registerImagePrune(program, ctx) {
  imageCommandGroup(program).command("prune").summary("delete blobs and unpacked layers no image needs").description(
    "Garbage-collect the content store: delete every blob no image references (manifests,\nconfigs, layers), partial downloads no running pull holds, and unpacked layers no image\nneeds. Blobs a running pull has just written are kept (docs/images.md)."
  ).option("--dry-run", "only list what would be deleted").addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text")).option("--root <dir>", "state root (default $HOSTPOD_ROOT or /var/lib/hostpod)").action(async (flags) => {
    const root = resolveStateRoot(flags.root, ctx);
    const { content, images } = openImageStores(root);
    const r = await collectGarbage(root, content, images, { dryRun: flags.dryRun === true });
    if (flags.output === "json") out(ctx, JSON.stringify(r, null, 2));
    else for (const l of formatGc(r, flags.dryRun === true)) out(ctx, l);
    for (const p of r.problems) err(ctx, `warning: ${p}`);
  });
}
export {
  registerImagePrune
};
