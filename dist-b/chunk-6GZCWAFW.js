import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  ImageStore,
  LocalContentStore,
  prepareStateRoot
} from "./chunk-F7EMT5MI.js";
import {
  Option
} from "./chunk-QNVZHYAH.js";
import {
  DEFAULT_REGISTRY_CONFIG_DIR,
  checkRegistryConfigDir
} from "./chunk-EWJ2BNDP.js";

// src/cli/commands/images-common.ts
import { join, resolve } from "node:path";
function imageCommandGroup(program) {
  return program.commands.find((c) => c.name() === "image") ?? program.command("image").summary("manage images (import, save, build, inspect, prune)");
}
function registryConfigDirOption() {
  return new Option(
    "--registry-config-dir <dir>",
    "folder of <registry>/hosts.toml files: mirrors, TLS, headers (default /etc/hostpod/certs.d)"
  );
}
async function registryConfigDir(flag, ctx) {
  if (flag === void 0) return ctx.env.HOSTPOD_REGISTRY_CONFIG_DIR ?? DEFAULT_REGISTRY_CONFIG_DIR;
  const dir = resolve(ctx.cwd, flag);
  await checkRegistryConfigDir(dir);
  return dir;
}
function resolveStateRoot(opt, ctx) {
  const root = opt ?? ctx.env.HOSTPOD_ROOT ?? "/var/lib/hostpod";
  prepareStateRoot(root, ctx.uid);
  return root;
}
function openImageStores(root) {
  const content = new LocalContentStore(join(root, "content"));
  return { content, images: new ImageStore(root, content) };
}
function humanSize(bytes) {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1e3 && i < units.length - 1) {
    v /= 1e3;
    i++;
  }
  const s = i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${s.replace(/\.0+$|(\.\d*[1-9])0+$/, "$1")}${units[i]}`;
}
function timeAgo(iso, now) {
  if (!iso) return "N/A";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "N/A";
  const s = Math.max(0, Math.round((now.getTime() - t) / 1e3));
  const steps = [
    [60, "second"],
    [60, "minute"],
    [24, "hour"],
    [7, "day"],
    [4.35, "week"],
    [12, "month"],
    [Number.POSITIVE_INFINITY, "year"]
  ];
  let v = s;
  for (const [size, unit] of steps) {
    if (v < size) {
      const n = Math.floor(v);
      if (unit === "second" && n < 60) return n <= 1 ? "Less than a second ago" : `${n} seconds ago`;
      return `${n === 1 ? unit === "hour" ? "An" : "A" : n} ${unit}${n === 1 ? "" : "s"} ago`;
    }
    v /= size;
  }
  return "N/A";
}
function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i])).join("   ").trimEnd();
  return [line(header), ...rows.map(line)];
}

export {
  imageCommandGroup,
  registryConfigDirOption,
  registryConfigDir,
  resolveStateRoot,
  openImageStores,
  humanSize,
  timeAgo,
  formatTable
};
