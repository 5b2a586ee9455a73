import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  parseJson,
  parseManifest
} from "./chunk-2TIRU24N.js";
import {
  discard
} from "./chunk-H6JRZREJ.js";
import {
  MediaType,
  parseReference,
  sha256Of
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/image/push.ts
import { createReadStream } from "node:fs";

// src/image/registry/upload.ts
async function pushTarget(client, domain, repo, signal) {
  const hosts = await client.hosts(domain);
  const host = hosts.find((h) => h.capabilities.has("push"));
  if (!host) {
    throw new RuntimeError("FailedPrecondition", `No host of registry ${domain} may push`, {
      hint: `give the server capabilities = ["pull", "resolve", "push"] in ${hosts[0]?.source ?? "its hosts.toml"}`
    });
  }
  return { client, domain, repo, host, ...signal ? { signal } : {} };
}
async function send(t, req) {
  return t.client.sendTo(t.host, t.domain, t.repo, { ...req, actions: "pull,push" }, t.signal);
}
async function blobExists(t, digest) {
  const res = await send(t, {
    method: "HEAD",
    path: `blobs/${digest}`,
    ok: [200, 404],
    what: `blob ${digest}`
  });
  await discard(res.body);
  return res.statusCode === 200;
}
function location(res, base, what) {
  const loc = res.headers.location;
  if (typeof loc !== "string" || loc === "") {
    throw new RuntimeError("Internal", `The registry answered ${what} with no upload location`);
  }
  return new URL(loc, base).href;
}
function withDigest(url, digest) {
  const u = new URL(url);
  u.searchParams.set("digest", digest);
  return u.href;
}
function checkStored(t, res, expected, what) {
  const said = res.headers["docker-content-digest"];
  if (typeof said === "string" && said !== "" && said !== expected) {
    throw new RuntimeError(
      "DataLoss",
      `Registry ${t.host.host} says it stored ${what} as ${said}, but hostpod sent ${expected}`,
      {
        hint: "the registry (or a proxy in front of it) changed or lost the bytes: check it, then push again"
      }
    );
  }
}
async function mountBlob(t, digest, from) {
  const path = `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const res = await t.client.sendTo(
    t.host,
    t.domain,
    t.repo,
    {
      method: "POST",
      path,
      ok: [201, 202],
      what: `mount of blob ${digest}`,
      actions: "pull,push",
      alsoPull: from
    },
    t.signal
  );
  await discard(res.body);
  return res.statusCode === 201;
}
async function uploadBlob(t, blob, open, opts = {}) {
  const what = `upload of blob ${blob.digest}`;
  const started = await send(t, { method: "POST", path: "blobs/uploads/", ok: [202], what });
  await discard(started.body);
  let url = location(started, `${t.host.api}/${t.repo}/blobs/uploads/`, what);
  const chunk = opts.chunkSize;
  if (chunk === void 0 || chunk >= blob.size) {
    const res2 = await send(t, {
      method: "PUT",
      path: withDigest(url, blob.digest),
      headers: { "content-type": "application/octet-stream", "content-length": String(blob.size) },
      body: () => open(0, blob.size),
      ok: [201],
      what
    });
    await discard(res2.body);
    checkStored(t, res2, blob.digest, `blob ${blob.digest}`);
    return;
  }
  for (let start = 0; start < blob.size; start += chunk) {
    const end = Math.min(blob.size, start + chunk);
    const res2 = await send(t, {
      method: "PATCH",
      path: url,
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(end - start),
        "content-range": `${start}-${end - 1}`
      },
      body: () => open(start, end),
      ok: [202],
      what: `${what} (bytes ${start}-${end - 1})`
    });
    await discard(res2.body);
    url = location(res2, url, what);
  }
  const res = await send(t, {
    method: "PUT",
    path: withDigest(url, blob.digest),
    headers: { "content-length": "0" },
    body: () => Buffer.alloc(0),
    ok: [201],
    what
  });
  await discard(res.body);
  checkStored(t, res, blob.digest, `blob ${blob.digest}`);
}
async function putManifest(t, reference, bytes, mediaType) {
  const digest = sha256Of(bytes);
  const what = `manifest ${t.domain}/${t.repo}:${reference}`;
  const res = await send(t, {
    method: "PUT",
    path: `manifests/${reference}`,
    headers: { "content-type": mediaType, "content-length": String(bytes.length) },
    body: () => bytes,
    ok: [201],
    what
  });
  await discard(res.body);
  checkStored(t, res, digest, what);
  return digest;
}

// src/image/push.ts
async function pushImage(image, destination, opts) {
  const { content, images } = opts;
  const record = await images.get(image);
  if (!record) {
    throw new RuntimeError("NotFound", `No image "${image}" in the local store`, {
      hint: "list the images with `hostpod images`; pull, import or build it first"
    });
  }
  let dest;
  if (destination !== void 0) dest = parseReference(destination);
  else if (record.name) dest = parseReference(record.name);
  else {
    throw new RuntimeError("InvalidArgument", `Cannot push image ${image}: it has no name`, {
      hint: "give the destination: hostpod push IMAGE REGISTRY/REPOSITORY:TAG"
    });
  }
  if (dest.digest !== void 0 && dest.digest !== record.digest) {
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot push ${image} as ${dest.string()}: the image's manifest digest is ${record.digest}`,
      { hint: "push by tag, or give the image\u2019s own digest" }
    );
  }
  const manifestBytes = await content.readBytes(record.digest);
  const manifest = parseManifest(parseJson(manifestBytes, `manifest ${record.digest}`));
  const mediaType = manifest.mediaType ?? (manifest.config.mediaType === MediaType.dockerConfig ? MediaType.dockerManifest : MediaType.ociManifest);
  const blobs = [
    { desc: manifest.config, role: "config", label: "config" },
    ...manifest.layers.map((desc, i) => ({
      desc,
      role: "layer",
      label: `layer ${i + 1}/${manifest.layers.length}`
    }))
  ];
  for (const b of blobs) {
    if (!await content.info(b.desc.digest)) {
      throw new RuntimeError(
        "NotFound",
        `Cannot push ${image}: its ${b.label} ${b.desc.digest} is not in the content store`,
        { hint: "pull or import the image again" }
      );
    }
  }
  const emit = opts.onEvent ?? (() => {
  });
  const name = dest.string();
  emit({ type: "resolved", reference: name, manifestDigest: record.digest, blobs: blobs.length });
  const target = await pushTarget(opts.client, dest.domain, dest.path, opts.signal);
  const source = record.name ? parseReference(record.name) : void 0;
  const mountFrom = source && source.domain === dest.domain && source.path !== dest.path ? source.path : void 0;
  const result = {
    reference: name,
    manifestDigest: record.digest,
    pushedBlobs: 0,
    existingBlobs: 0,
    mountedBlobs: 0,
    pushedBytes: 0,
    notes: []
  };
  const one = async (b) => {
    const { digest, size } = b.desc;
    const ev = { digest, size, role: b.role, label: b.label };
    emit({ type: "blob-start", ...ev });
    let status;
    if (await blobExists(target, digest)) status = "exists";
    else if (mountFrom && await mountBlob(target, digest, mountFrom)) status = "mounted";
    else {
      await uploadBlob(
        target,
        b.desc,
        (start, end) => createReadStream(content.path(digest), { start, end: end - 1 }),
        {
          ...opts.chunkSize !== void 0 ? { chunkSize: opts.chunkSize } : {}
        }
      );
      status = "pushed";
      result.pushedBytes += size;
    }
    if (status === "exists") result.existingBlobs++;
    else if (status === "mounted") result.mountedBlobs++;
    else result.pushedBlobs++;
    emit({ type: "blob-done", ...ev, status });
  };
  await runPool(blobs, opts.concurrency ?? 3, fail(name, one));
  await putManifest(target, dest.tag ?? record.digest, manifestBytes, mediaType);
  if (record.indexDigest) {
    result.notes.push(
      `only the ${record.platform} image was pushed: the store holds that platform of the multi-platform image, not its index`
    );
  }
  return result;
}
function fail(name, fn) {
  return async (b) => {
    try {
      await fn(b);
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      throw new RuntimeError(
        e.code,
        `Cannot push ${name}: ${b.label} ${b.desc.digest} failed: ${e.message}`,
        {
          cause: e,
          ...e.hint ? { hint: e.hint } : {}
        }
      );
    }
  };
}
async function runPool(items, limit, fn) {
  let next = 0;
  let failed;
  const worker = async () => {
    while (next < items.length && !failed) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failed ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.e;
}
export {
  pushImage
};
