import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  daemonIfRunning,
  rootOption,
  socketFlag
} from "./chunk-IGGLMBAQ.js";
import {
  formatTable,
  humanSize,
  openImageStores,
  resolveStateRoot,
  timeAgo
} from "./chunk-6GZCWAFW.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import {
  out
} from "./chunk-WDHOOICP.js";
import {
  Option
} from "./chunk-QNVZHYAH.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import {
  familiarString,
  makeReference,
  parseReference,
  shortDigest
} from "./chunk-4PE76O5T.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/images.ts
function repoAndTag(r) {
  if (r.name === "") return ["<none>", "<none>"];
  const ref = parseReference(r.name);
  return [familiarString(makeReference(ref.domain, ref.path)), ref.tag ?? "<none>"];
}
function formatImages(records, wide, now) {
  const header = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];
  if (wide) header.push("PLATFORM", "DIGEST");
  const rows = records.map((r) => {
    const [repo, tag] = repoAndTag(r);
    const row = [repo, tag, shortDigest(r.configDigest), timeAgo(r.created, now), humanSize(r.size)];
    if (wide) row.push(r.platform, r.indexDigest ?? r.digest);
    return row;
  });
  return formatTable(header, rows);
}
function registerImages(program, ctx) {
  program.command("images").summary("list images").description(
    "List the images in the image store: repository, tag, image id (the config digest, short),\nwhen the image was created, and its size (config + compressed layers). -o wide adds the\nplatform and the repository digest; -o json prints the records (docs/images.md)."
  ).addOption(
    new Option("-o, --output <format>", "output format").choices(["table", "wide", "json"]).default("table")
  ).option("-q, --quiet", "print only image ids").addOption(rootOption()).addOption(socketFlag()).action(async (flags) => {
    const daemon = await daemonIfRunning(flags, ctx);
    const list = daemon ? (await daemon.listImages()).map((v) => ({
      name: v.reference,
      digest: v.manifestDigest,
      configDigest: v.configDigest,
      platform: `${v.os}/${v.architecture}`,
      size: v.size,
      ...v.createdAt ? { created: v.createdAt } : {},
      updatedAt: ""
    })) : await openImageStores(resolveStateRoot(flags.root, ctx)).images.list();
    if (flags.quiet) {
      for (const id of new Set(list.map((r) => shortDigest(r.configDigest)))) out(ctx, id);
    } else if (flags.output === "json") {
      out(ctx, JSON.stringify(list, null, 2));
    } else {
      for (const l of formatImages(list, flags.output === "wide", /* @__PURE__ */ new Date())) out(ctx, l);
    }
  });
}
export {
  formatImages,
  registerImages,
  repoAndTag
};
