import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatPlatform,
  parsePlatform,
  platformMatches,
  selectManifest
} from "./chunk-IAHJQBAJ.js";
import {
  imageCommandGroup,
  openImageStores,
  resolveStateRoot
} from "./chunk-6GZCWAFW.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import {
  parseImageConfig,
  parseIndex,
  parseJson,
  parseManifest
} from "./chunk-2TIRU24N.js";
import {
  out
} from "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import "./chunk-4PE76O5T.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/image-inspect.ts
async function inspectImage(content, images, query, platform) {
  const rec = await images.get(query);
  if (!rec) {
    throw new RuntimeError("NotFound", `Image "${query}" not found`, {
      hint: "list images with `hostpod images`, or pull it with `hostpod pull`"
    });
  }
  let manifestDigest = rec.digest;
  if (platform && !platformMatches(platform, parsePlatform(rec.platform))) {
    const idx = rec.indexDigest ? parseIndex(parseJson(await content.readBytes(rec.indexDigest), "image index")) : void 0;
    const chosen = idx ? selectManifest(idx, platform) : void 0;
    if (!chosen || !await content.info(chosen.digest)) {
      throw new RuntimeError(
        "NotFound",
        `Image "${query}" has no ${formatPlatform(platform)} manifest in the store (it is ${rec.platform})`,
        {
          hint: `pull it: hostpod pull --platform ${formatPlatform(platform)} ${rec.name || query}`
        }
      );
    }
    manifestDigest = chosen.digest;
  }
  const manifestJson = parseJson(await content.readBytes(manifestDigest), "image manifest");
  const manifest = parseManifest(manifestJson);
  const configJson = parseJson(await content.readBytes(manifest.config.digest), "image config");
  const config = parseImageConfig(configJson);
  const all = await images.find(rec.digest);
  const result = {
    names: [...new Set(all.map((r) => r.name).filter((n) => n !== ""))],
    digest: manifestDigest,
    id: manifest.config.digest,
    platform: [config.os, config.architecture, config.variant].filter((x) => x).join("/"),
    size: manifest.config.size + manifest.layers.reduce((a, l) => a + l.size, 0),
    manifest: manifestJson,
    config: configJson
  };
  if (rec.indexDigest) result.indexDigest = rec.indexDigest;
  if (config.created) result.created = config.created;
  return result;
}
function registerImageInspect(program, ctx) {
  imageCommandGroup(program).command("inspect").summary("print an image's manifest and config as JSON").description(
    "Print, as a JSON array, each named image: its names, manifest digest, id (config digest),\nplatform, size, and the manifest and config documents themselves (docs/images.md)."
  ).argument("<image...>", "image names, ids or digests").option("--platform <os/arch[/variant]>", "inspect this platform's manifest of a multi-platform image").option("--root <dir>", "state root (default $HOSTPOD_ROOT or /var/lib/hostpod)").action(async (queries, flags) => {
    const platform = flags.platform !== void 0 ? parsePlatform(flags.platform) : void 0;
    const { content, images } = openImageStores(resolveStateRoot(flags.root, ctx));
    const results = [];
    for (const q of queries) results.push(await inspectImage(content, images, q, platform));
    out(ctx, JSON.stringify(results, null, 2));
  });
}
export {
  inspectImage,
  registerImageInspect
};
