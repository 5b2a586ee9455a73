import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatPlatform,
  hostPlatform,
  platformMatches,
  selectManifest
} from "./chunk-IAHJQBAJ.js";
import {
  manifestKind,
  parseImageConfig,
  parseIndex,
  parseJson,
  parseManifest
} from "./chunk-2TIRU24N.js";
import {
  describeNetworkError,
  isTransientError
} from "./chunk-H6JRZREJ.js";
import {
  DigestMismatchError,
  parseReference,
  shortDigest
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/image/pull.ts
var PROGRESS_STEP = 1024 * 1024;
var ShortBody = class extends Error {
  code = "UND_ERR_SOCKET";
};
async function pullImage(reference, opts) {
  const ref = typeof reference === "string" ? parseReference(reference) : reference;
  const name = ref.string();
  const { content, client } = opts;
  const emit = opts.onEvent ?? (() => {
  });
  const explicitPlatform = opts.platform !== void 0;
  const wanted = opts.platform ?? hostPlatform();
  const host = ref.domain;
  const repo = ref.path;
  const lease = await content.lease();
  try {
    const top = await client.getManifest(
      host,
      repo,
      ref.digest ?? ref.tag ?? "latest",
      withSignal(opts.signal)
    );
    const topJson = parseJson(top.bytes, `manifest of ${name}`);
    const kind = manifestKind(topJson, top.mediaType);
    let manifestDigest;
    let manifestBytes;
    let indexDigest;
    if (kind === "index") {
      const index = parseIndex(topJson);
      const chosen = selectManifest(index, wanted) ?? otherOsOnly(index, wanted, explicitPlatform);
      if (!chosen) {
        const available = index.manifests.flatMap((d) => d.platform ? [formatPlatform(d.platform)] : []).join(", ");
        throw new RuntimeError(
          "NotFound",
          `Cannot pull ${name}: the image has no manifest for ${formatPlatform(wanted)}`,
          {
            hint: `available platforms: ${available || "none"}; choose one with --platform`
          }
        );
      }
      await content.writeBlob(top.bytes, top.digest);
      indexDigest = top.digest;
      const m = await client.getManifest(host, repo, chosen.digest, withSignal(opts.signal));
      manifestDigest = m.digest;
      manifestBytes = m.bytes;
    } else if (kind === "manifest") {
      manifestDigest = top.digest;
      manifestBytes = top.bytes;
    } else {
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot pull ${name}: unsupported manifest type ${JSON.stringify(top.mediaType)}`,
        {
          hint: "hostpod pulls OCI and Docker schema 2 images; Docker schema 1 images must be rebuilt"
        }
      );
    }
    const manifest = parseManifest(parseJson(manifestBytes, `manifest of ${name}`));
    await content.writeBlob(manifestBytes, manifestDigest);
    const blobs = [
      { desc: manifest.config, role: "config", label: "config" },
      ...manifest.layers.map((desc, i) => ({
        desc,
        role: "layer",
        label: `layer ${i + 1}/${manifest.layers.length}`
      }))
    ];
    const resolved = {
      type: "resolved",
      reference: name,
      manifestDigest,
      platform: formatPlatform(wanted),
      blobs: blobs.map((b) => ({ digest: b.desc.digest, size: b.desc.size, role: b.role }))
    };
    if (indexDigest) resolved.indexDigest = indexDigest;
    emit(resolved);
    const stats = { downloaded: 0, reused: 0, fetched: 0 };
    const ctx = { ref, name, opts, emit, stats };
    await fetchBlob(ctx, blobs[0]);
    const config = parseImageConfig(
      parseJson(await content.readBytes(manifest.config.digest), `config of ${name}`)
    );
    const configPlatform = { os: config.os, architecture: config.architecture };
    if (config.variant) configPlatform.variant = config.variant;
    if (explicitPlatform && !platformMatches(wanted, configPlatform)) {
      throw new RuntimeError(
        "NotFound",
        `Cannot pull ${name}: the image is ${formatPlatform(configPlatform)}, not ${formatPlatform(wanted)}`,
        { hint: `pull it without --platform, or with --platform ${formatPlatform(configPlatform)}` }
      );
    }
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new RuntimeError(
        "DataLoss",
        `Cannot pull ${name}: the manifest lists ${manifest.layers.length} layers but the config ${config.rootfs.diff_ids.length} diff IDs`
      );
    }
    const warnings = [];
    if (!explicitPlatform && configPlatform.os !== wanted.os) {
      warnings.push(
        `${name} is a ${formatPlatform(configPlatform)} image: it was pulled, but this host runs ${wanted.os} programs, so a pod using it will be refused`
      );
    }
    await runBounded(
      blobs.slice(1),
      opts.concurrency ?? 3,
      opts.signal,
      (b, signal) => fetchBlob({ ...ctx, signal }, b)
    );
    const putOpts = indexDigest ? { indexDigest } : {};
    const record = await opts.images.put(name, manifestDigest, putOpts);
    const result = {
      reference: name,
      manifestDigest,
      configDigest: manifest.config.digest,
      platform: formatPlatform(configPlatform),
      size: record.size,
      downloadedBytes: stats.downloaded,
      reusedBlobs: stats.reused,
      fetchedBlobs: stats.fetched,
      record,
      warnings
    };
    if (indexDigest) result.indexDigest = indexDigest;
    return result;
  } finally {
    await lease.release();
  }
}
function otherOsOnly(index, wanted, explicit) {
  if (explicit) return void 0;
  const withPlatform = index.manifests.filter((d) => d.platform);
  if (withPlatform.length === 0 || withPlatform.some((d) => d.platform.os === wanted.os)) return void 0;
  const os = withPlatform[0].platform.os;
  return selectManifest(index, { os, architecture: wanted.architecture }) ?? withPlatform[0];
}
function withSignal(signal) {
  return signal ? { signal } : {};
}
async function fetchBlob(ctx, b) {
  const { content, client } = ctx.opts;
  const { digest, size } = b.desc;
  const signal = ctx.signal ?? ctx.opts.signal;
  const fail = (e) => {
    if (!(e instanceof RuntimeError)) {
      if (e?.name === "AbortError" || signal?.aborted) return e;
      return new RuntimeError(
        "Unavailable",
        `Cannot pull ${ctx.name}: ${b.label} ${digest} failed: ${describeNetworkError(e)}`,
        {
          cause: e
        }
      );
    }
    const opts = { cause: e };
    if (e.hint) opts.hint = e.hint;
    const why = e instanceof DigestMismatchError ? e.message.replace(/^Digest mismatch for blob \S+: /, "digest mismatch: ") : e.message;
    return new RuntimeError(
      e.code,
      `Cannot pull ${ctx.name}: ${b.label} ${digest} (${size} bytes) failed: ${why}`,
      opts
    );
  };
  if (await content.info(digest)) {
    ctx.stats.reused++;
    ctx.emit({ type: "blob-done", digest, size, role: b.role, status: "exists" });
    return;
  }
  const writerOpts = {};
  if (signal) writerOpts.signal = signal;
  let w = await content.openWriter({ digest, size }, writerOpts);
  if (!w) {
    ctx.stats.reused++;
    ctx.emit({ type: "blob-done", digest, size, role: b.role, status: "exists" });
    return;
  }
  let usedPartial = false;
  let startedOver = false;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        if (w.offset >= size && !w.complete()) await w.reset();
        if (w.offset < size) {
          usedPartial ||= w.offset > 0;
          const blobOpts = { offset: w.offset };
          if (signal) blobOpts.signal = signal;
          const bs = await client.openBlob(ctx.ref.domain, ctx.ref.path, digest, blobOpts);
          if (bs.start === 0 && w.offset > 0) await w.reset();
          ctx.emit({ type: "blob-start", digest, size, role: b.role, offset: w.offset });
          try {
            let reported = w.offset;
            for await (const chunk of bs.body) {
              await w.write(chunk);
              ctx.stats.downloaded += chunk.length;
              if (w.offset - reported >= PROGRESS_STEP || w.offset >= size) {
                reported = w.offset;
                ctx.emit({ type: "blob-progress", digest, done: w.offset, size });
              }
            }
          } finally {
            bs.body.destroy();
          }
          if (w.offset < size) throw new ShortBody(`the body ended after ${w.offset} of ${size} bytes`);
        } else {
          usedPartial = true;
        }
        await w.commit();
        ctx.stats.fetched++;
        ctx.emit({ type: "blob-done", digest, size, role: b.role, status: "downloaded" });
        return;
      } catch (e) {
        if (e instanceof DigestMismatchError && usedPartial && !startedOver && !signal?.aborted) {
          startedOver = true;
          usedPartial = false;
          const again = await content.openWriter({ digest, size }, writerOpts);
          if (!again) {
            ctx.stats.reused++;
            ctx.emit({ type: "blob-done", digest, size, role: b.role, status: "exists" });
            return;
          }
          w = again;
          await w.reset();
          attempt = -1;
          continue;
        }
        if (e instanceof RuntimeError || !isTransientError(e) || attempt >= client.retries || signal?.aborted)
          throw fail(e);
        await client.backoff(`${b.label} ${shortDigest(digest)}`, attempt, describeNetworkError(e), signal);
      }
    }
  } finally {
    await w.close();
  }
}
async function runBounded(items, limit, outer, fn) {
  const ac = new AbortController();
  const onOuter = () => ac.abort(outer?.reason);
  outer?.addEventListener("abort", onOuter, { once: true });
  let next = 0;
  let firstError;
  const worker = async () => {
    while (next < items.length && firstError === void 0) {
      const item = items[next++];
      try {
        await fn(item, ac.signal);
      } catch (e) {
        if (firstError === void 0) firstError = e;
        ac.abort(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    outer?.removeEventListener("abort", onOuter);
  }
  if (firstError !== void 0) throw firstError;
}

export {
  pullImage
};
