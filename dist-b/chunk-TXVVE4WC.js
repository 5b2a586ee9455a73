import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  applyLayer,
  cleanName,
  sniffCompression
} from "./chunk-4WSVR33Z.js";
import {
  rootedFsWalker,
  walkPath
} from "./chunk-6VMJICQW.js";
import {
  formatPlatform,
  hostPlatform,
  parsePlatform,
  selectManifest
} from "./chunk-IAHJQBAJ.js";
import {
  ImageStore,
  LocalContentStore,
  prepareStateRoot
} from "./chunk-F7EMT5MI.js";
import {
  parseImageConfig,
  parseIndex,
  parseJson,
  parseManifest
} from "./chunk-2TIRU24N.js";
import {
  err,
  out
} from "./chunk-WDHOOICP.js";
import {
  MediaType,
  digestAlgorithm,
  digestHex,
  isIndexType,
  isManifestType,
  parseReference
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError,
  errnoCode,
  isRuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/cli/commands/image-import.ts
import { join as join2, resolve } from "node:path";

// src/image/import.ts
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";

// src/image/import-names.ts
var TAG_ONLY = /^[\w][\w.-]{0,127}$/;
function nameFromAnnotations(d) {
  const full = d.annotations?.["io.containerd.image.name"];
  if (full) return { name: full };
  const ref = d.annotations?.["org.opencontainers.image.ref.name"];
  if (!ref) return {};
  if (TAG_ONLY.test(ref)) return { tagOnly: ref };
  return { name: ref };
}
function entryTag(d) {
  const n = nameFromAnnotations(d);
  if (n.tagOnly) return n.tagOnly;
  if (!n.name) return void 0;
  try {
    return parseReference(n.name).tag;
  } catch {
    return void 0;
  }
}
function hasTag(ref) {
  const noDigest = ref.split("@")[0] ?? ref;
  return noDigest.lastIndexOf(":") > noDigest.lastIndexOf("/");
}
function nameGroups(what, groups, tag) {
  if (tag === void 0) return groups.map((descs) => ({ descs }));
  if (groups.length === 1) return [{ descs: groups[0], name: tag }];
  const tags = groups.map((g) => entryTag(g[0]));
  const ref = parseReference(tag);
  if (hasTag(tag)) {
    const i = tags.indexOf(ref.tag);
    if (i < 0) {
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot import ${what} as ${tag}: it holds ${groups.length} images and none is tagged "${ref.tag}"`,
        {
          hint: `its tags: ${tags.filter((t) => t).join(", ") || "none"}; pass --tag ${ref.name}:TAG to pick one, or --tag ${ref.name} to import them all`
        }
      );
    }
    return [{ descs: groups[i], name: tag }];
  }
  const seen = /* @__PURE__ */ new Set();
  return groups.map((descs, i) => {
    const t = tags[i];
    if (t === void 0 || seen.has(t)) {
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot import ${what} as ${ref.name}:<tag>: ${t === void 0 ? "an image has no tag" : `two images are tagged "${t}"`}`,
        { hint: "import without --tag to keep the names the archive gives" }
      );
    }
    seen.add(t);
    return { descs, name: `${ref.name}:${t}` };
  });
}

// src/image/import.ts
var MAX_JSON = 8 * 1024 * 1024;
async function importImage(path, content, images, opts) {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") {
      throw new RuntimeError("NotFound", `Cannot import ${path}: no such file or directory`);
    }
    throw e;
  }
  if (st.isDirectory()) return importDir(path, content, images, opts);
  await mkdir(opts.tmpDir, { recursive: true });
  const tmp = join(opts.tmpDir, `import-${process.pid}-${randomBytes(6).toString("hex")}`);
  await mkdir(tmp, { mode: 448 });
  try {
    await applyLayer(createReadStream(path, { highWaterMark: 1 << 20 }), {
      target: tmp,
      mode: "apply",
      what: `archive ${path}`,
      ...opts.signal ? { signal: opts.signal } : {}
    });
    return await importDir(tmp, content, images, opts, path);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
async function fileInside(dir, rel, what) {
  const queue = cleanName(rel);
  if (queue === null || queue.length === 0) {
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot import ${what}: path "${rel}" points outside the archive`
    );
  }
  const walker = rootedFsWalker(dir);
  let found;
  try {
    found = await walkPath(queue.join("/"), walker);
  } catch (e) {
    if (isRuntimeError(e, "InvalidArgument"))
      throw new RuntimeError("InvalidArgument", `Cannot import ${what}: symlink loop at "${rel}"`);
    throw e;
  }
  if (found.kind === "missing") {
    throw new RuntimeError("InvalidArgument", `Cannot import ${what}: "${rel}" is missing from the archive`);
  }
  const p = walker.toHost(found.path);
  if (!(await lstat(p)).isFile()) {
    throw new RuntimeError("InvalidArgument", `Cannot import ${what}: "${rel}" is not a regular file`);
  }
  return p;
}
async function readSmall(p, what) {
  const fh = await open(p, "r");
  try {
    const { size } = await fh.stat();
    if (size > MAX_JSON) {
      throw new RuntimeError(
        "ResourceExhausted",
        `Cannot import ${what}: ${size} bytes is too big for a JSON file`
      );
    }
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
async function sha256File(p) {
  const h = createHash("sha256");
  let size = 0;
  for await (const b of createReadStream(p, { highWaterMark: 1 << 20 })) {
    h.update(b);
    size += b.length;
  }
  return { digest: `sha256:${h.digest("hex")}`, size };
}
async function importDir(dir, content, images, opts, shownAs = dir) {
  const has = async (name) => {
    try {
      return (await lstat(join(dir, name))).isFile();
    } catch {
      return false;
    }
  };
  if (await has("index.json")) return importOciLayout(dir, content, images, opts, shownAs);
  if (await has("manifest.json")) return importDockerSave(dir, content, images, opts, shownAs);
  throw new RuntimeError(
    "InvalidArgument",
    `Cannot import ${shownAs}: it is neither an OCI image layout (index.json) nor a docker save archive (manifest.json)`,
    { hint: "make one with `skopeo copy \u2026 oci:DIR:TAG`, `oci-archive:FILE`, `docker save` or `podman save`" }
  );
}
async function ingestFromLayout(dir, d, content, what) {
  if (await content.info(d.digest)) return;
  const p = await fileInside(dir, `blobs/${digestAlgorithm(d.digest)}/${digestHex(d.digest)}`, what);
  await content.ingest({ digest: d.digest, size: d.size }, createReadStream(p, { highWaterMark: 1 << 20 }));
}
async function importOciLayout(dir, content, images, opts, shownAs) {
  const what = shownAs;
  const index = parseIndex(
    parseJson(await readSmall(await fileInside(dir, "index.json", what), what), `${what} index.json`)
  );
  const wanted = opts.platform ?? hostPlatform();
  const groups = /* @__PURE__ */ new Map();
  for (const d of index.manifests) {
    if (!isManifestType(d.mediaType) && !isIndexType(d.mediaType)) continue;
    const n = nameFromAnnotations(d);
    const key = n.name ?? n.tagOnly ?? `@${d.digest}`;
    groups.set(key, [...groups.get(key) ?? [], d]);
  }
  if (groups.size === 0)
    throw new RuntimeError("InvalidArgument", `Cannot import ${what}: index.json lists no image`);
  const named = nameGroups(what, [...groups.values()], opts.tag);
  const out2 = [];
  for (const { descs, name: given } of named) {
    let chosen = descs[0];
    let indexDigest;
    if (descs.length > 1) {
      const sel = selectManifest({ schemaVersion: 2, manifests: descs }, wanted);
      if (!sel) throw noPlatform(what, wanted, descs);
      chosen = sel;
    }
    if (isIndexType(chosen.mediaType)) {
      await ingestFromLayout(dir, chosen, content, what);
      const nested = parseIndex(parseJson(await content.readBytes(chosen.digest), `index ${chosen.digest}`));
      const sel = selectManifest(nested, wanted);
      if (!sel) throw noPlatform(what, wanted, nested.manifests);
      indexDigest = chosen.digest;
      chosen = { ...sel, annotations: { ...chosen.annotations, ...sel.annotations } };
    }
    await ingestImage(dir, chosen, content, what);
    const n = nameFromAnnotations(descs[0]);
    const notes = [];
    let name = "";
    if (given !== void 0) name = given;
    else if (n.name) name = n.name;
    else if (n.tagOnly) {
      notes.push(
        `the archive names this image only by tag "${n.tagOnly}": pass --tag REPOSITORY to name it REPOSITORY:${n.tagOnly}`
      );
    }
    const rec = await images.put(name, chosen.digest, indexDigest ? { indexDigest } : {});
    out2.push({
      name: rec.name,
      digest: chosen.digest,
      ...indexDigest ? { indexDigest } : {},
      platform: rec.platform,
      notes
    });
  }
  return out2;
}
function noPlatform(what, wanted, descs) {
  const have = descs.filter((d) => d.platform).map((d) => formatPlatform(d.platform));
  return new RuntimeError(
    "FailedPrecondition",
    `Cannot import ${what}: no manifest for platform ${formatPlatform(wanted)} (it has ${have.join(", ") || "none"})`,
    { hint: "choose one with --platform os/arch[/variant]" }
  );
}
async function ingestImage(dir, desc, content, what) {
  await ingestFromLayout(dir, desc, content, what);
  const manifest = parseManifest(parseJson(await content.readBytes(desc.digest), `manifest ${desc.digest}`));
  await ingestFromLayout(dir, manifest.config, content, what);
  for (const l of manifest.layers) await ingestFromLayout(dir, l, content, what);
  return manifest;
}
function parseDockerManifest(v, what) {
  const bad = (why) => {
    throw new RuntimeError("InvalidArgument", `Cannot import ${what}: manifest.json ${why}`);
  };
  if (!Array.isArray(v) || v.length === 0) bad("must be a non-empty array");
  return v.map((x, i) => {
    if (typeof x !== "object" || x === null) bad(`[${i}] must be an object`);
    const o = x;
    if (typeof o.Config !== "string") bad(`[${i}].Config must be a string`);
    const layers = o.Layers;
    if (!Array.isArray(layers) || !layers.every((l) => typeof l === "string"))
      bad(`[${i}].Layers must list strings`);
    const tags = o.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string"))
      bad(`[${i}].RepoTags must list strings`);
    return { Config: o.Config, Layers: layers, RepoTags: tags };
  });
}
async function importDockerSave(dir, content, images, opts, shownAs) {
  const what = shownAs;
  const entries = parseDockerManifest(
    parseJson(await readSmall(await fileInside(dir, "manifest.json", what), what), `${what} manifest.json`),
    what
  );
  refuseTagForMany(what, opts.tag, entries.length);
  const out2 = [];
  for (const e of entries) {
    const configBytes = await readSmall(await fileInside(dir, e.Config, what), what);
    const config = parseImageConfig(parseJson(configBytes, `${what} ${e.Config}`));
    if (config.rootfs.diff_ids.length !== e.Layers.length) {
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot import ${what}: ${e.Config} lists ${config.rootfs.diff_ids.length} diffIDs but manifest.json ${e.Layers.length} layers`
      );
    }
    const configInfo = await content.writeBlob(configBytes);
    const layers = [];
    for (const l of e.Layers) {
      const p = await fileInside(dir, l, what);
      const { digest, size } = await sha256File(p);
      await content.ingest({ digest, size }, createReadStream(p, { highWaterMark: 1 << 20 }));
      const fh = await open(p, "r");
      const head = Buffer.alloc(8);
      try {
        await fh.read(head, 0, 8, 0);
      } finally {
        await fh.close();
      }
      const c = sniffCompression(head);
      const mediaType = c === "gzip" ? MediaType.ociLayerGzip : c === "zstd" ? MediaType.ociLayerZstd : MediaType.ociLayer;
      layers.push({ mediaType, digest, size });
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configInfo.digest, size: configInfo.size },
      layers
    };
    const m = await content.writeBlob(JSON.stringify(manifest));
    const names = opts.tag !== void 0 ? [opts.tag] : e.RepoTags.length > 0 ? e.RepoTags : [""];
    const notes = [];
    let platform = "";
    const stored = [];
    for (const n of names) {
      const rec = await images.put(n, m.digest);
      platform = rec.platform;
      stored.push(rec.name);
    }
    if (names[0] === "") notes.push("the archive gives this image no name: pass --tag NAME[:TAG] to name it");
    for (const name of stored) out2.push({ name, digest: m.digest, platform, notes });
  }
  return out2;
}
function checkTag(tag) {
  return parseReference(tag).string();
}
function refuseTagForMany(what, tag, count) {
  if (tag === void 0 || count <= 1) return;
  throw new RuntimeError("InvalidArgument", `Cannot import ${what} as ${tag}: it holds ${count} images`, {
    hint: "import without --tag to keep the names the archive gives"
  });
}

// src/cli/commands/image-import.ts
function imageGroup(program) {
  return program.commands.find((c) => c.name() === "image") ?? program.command("image").summary("manage images (import, save, build, inspect, prune)");
}
function stateRoot(opt, ctx) {
  const root = resolve(ctx.cwd, opt ?? ctx.env.HOSTPOD_ROOT ?? "/var/lib/hostpod");
  prepareStateRoot(root, ctx.uid);
  return root;
}
function openStores(root) {
  const content = new LocalContentStore(join2(root, "content"));
  return { content, images: new ImageStore(root, content) };
}
function formatImported(imgs) {
  return imgs.map((i) => `Imported ${i.name || "(no name)"} ${i.digest} ${i.platform}`);
}
function registerImageImport(program, ctx) {
  imageGroup(program).command("import").summary("import an OCI layout, OCI archive or docker save archive").description(
    "Import images from an OCI image layout directory, an OCI archive (a tar of one) or a\n`docker save` / `podman save` archive, gzip-compressed or not. Blobs are verified\nagainst their digests; names come from the archive or from --tag (docs/images.md)."
  ).argument("<path>", "archive file or OCI layout directory").option(
    "-t, --tag <name>",
    "name the image NAME[:TAG]; for a layout with several tags, REPO:TAG picks the image tagged TAG and REPO names each REPO:<its tag>"
  ).option("--platform <os/arch>", "manifest to take from a multi-platform index (default: this host)").option("-q, --quiet", "print only the manifest digests").option("--root <dir>", "state root (default $HOSTPOD_ROOT or /var/lib/hostpod)").action(
    async (path, opts) => {
      if (opts.tag !== void 0) checkTag(opts.tag);
      const platform = opts.platform !== void 0 ? parsePlatform(opts.platform) : void 0;
      const root = stateRoot(opts.root, ctx);
      const { content, images } = openStores(root);
      const imgs = await importImage(resolve(ctx.cwd, path), content, images, {
        tmpDir: join2(root, "tmp"),
        ...opts.tag !== void 0 ? { tag: opts.tag } : {},
        ...platform ? { platform } : {}
      });
      if (opts.quiet) for (const i of imgs) out(ctx, i.digest);
      else for (const l of formatImported(imgs)) out(ctx, l);
      for (const n of new Set(imgs.flatMap((i) => i.notes))) err(ctx, `note: ${n}`);
    }
  );
}

export {
  imageGroup,
  stateRoot,
  openStores,
  formatImported,
  registerImageImport
};
