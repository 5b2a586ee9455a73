import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  humanSize,
  openImageStores,
  registryConfigDir,
  registryConfigDirOption,
  resolveStateRoot
} from "./chunk-6GZCWAFW.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import {
  err,
  out
} from "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import {
  parseReference,
  shortDigest
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/push.ts
function pushLine(e) {
  const what = { pushed: "pushed", exists: "already in the registry", mounted: "mounted" }[e.status];
  return `${shortDigest(e.digest)}: ${e.label} ${humanSize(e.size)} ${what}`;
}
function formatPushed(r) {
  const parts = [
    `${r.pushedBlobs} uploaded (${humanSize(r.pushedBytes)})`,
    `${r.existingBlobs} already there`
  ];
  if (r.mountedBlobs > 0) parts.push(`${r.mountedBlobs} mounted`);
  return `Pushed ${r.reference} ${r.manifestDigest} (blobs: ${parts.join(", ")})`;
}
function registerPush(program, ctx) {
  program.command("push").summary("push an image to a registry").description(
    'Push IMAGE (a name, id or digest from `hostpod images`) to DESTINATION, a reference\n(default: the image\u2019s own name). Blobs the registry has are skipped (HEAD); blobs of\nanother repository of the same registry are mounted; others are uploaded in one PUT,\nor in --chunk-size PATCHes. The same credentials as pull ($DOCKER_CONFIG/config.json\nor ~/.docker/config.json; basic or bearer) and the same hosts.toml (the first host\nwith the "push" capability). docs/images.md.\n\nExit codes: 0 pushed, 2 bad reference or flag, an unnamed image without DESTINATION,\n3 no such image, 4 no host may push, 5 credentials refused or missing, 6 registry\nunreachable or failing, 7 the registry stored other bytes than were sent.'
  ).argument("<image>", "the image: a name, id (\u2265 4 hex) or digest").argument("[destination]", "where to push it, e.g. 127.0.0.1:5000/tools/agent:1.2").option(
    "--insecure-registry <host>",
    "reach this registry over plain HTTP (repeatable)",
    (v, prev) => [...prev, v],
    []
  ).addOption(registryConfigDirOption()).option("--chunk-size <bytes>", "upload blobs in PATCH chunks of this size (default: one PUT per blob)").option("-q, --quiet", "print only the manifest digest").option("--root <dir>", "state root (default $HOSTPOD_ROOT or /var/lib/hostpod)").action(async (image, destination, flags) => {
    if (destination !== void 0) parseReference(destination);
    let chunkSize;
    if (flags.chunkSize !== void 0) {
      chunkSize = Number(flags.chunkSize);
      if (!Number.isSafeInteger(chunkSize) || chunkSize < 1024) {
        throw new RuntimeError(
          "InvalidArgument",
          `Invalid --chunk-size ${JSON.stringify(flags.chunkSize)}: give a number of bytes, at least 1024`
        );
      }
    }
    const configDir = await registryConfigDir(flags.registryConfigDir, ctx);
    const { content, images } = openImageStores(resolveStateRoot(flags.root, ctx));
    const [{ pushImage }, { RegistryClient }, { loadDockerCredentials }] = await Promise.all([
      import("./push-YX6C6Q5J.js"),
      import("./client-QK6LV5HL.js"),
      import("./docker-config-OI3TSFRX.js")
    ]);
    const credentials = await loadDockerCredentials(ctx.env);
    const say = (l) => {
      if (!flags.quiet) err(ctx, l);
    };
    const client = new RegistryClient({
      insecureRegistries: flags.insecureRegistry,
      registryConfigDir: configDir,
      credentials,
      onRetry: (i) => say(`retrying ${i.what} in ${i.delayMs} ms (attempt ${i.attempt}): ${i.reason}`)
    });
    let result;
    try {
      result = await pushImage(image, destination, {
        content,
        images,
        client,
        ...chunkSize !== void 0 ? { chunkSize } : {},
        onEvent: (e) => {
          if (e.type === "resolved") say(`Pushing ${e.manifestDigest} to ${e.reference}`);
          if (e.type === "blob-done") say(pushLine(e));
        }
      });
    } finally {
      await client.close();
    }
    for (const n of result.notes) say(`note: ${n}`);
    out(ctx, flags.quiet ? result.manifestDigest : formatPushed(result));
  });
}
export {
  formatPushed,
  registerPush
};
