import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/oci/platform.ts
var OS_ALIASES = { win32: "windows", macos: "darwin" };
function normalizePlatform(p) {
  const os = (OS_ALIASES[p.os.toLowerCase()] ?? p.os).toLowerCase();
  let arch = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() ?? "";
  if (/^\d+(\.\d+)?$/.test(variant)) variant = `v${variant}`;
  switch (arch) {
    case "i386":
    case "i686":
      arch = "386";
      variant = "";
      break;
    case "x86_64":
    case "x86-64":
    case "amd64":
      arch = "amd64";
      if (variant === "v1") variant = "";
      break;
    case "aarch64":
    case "arm64":
      arch = "arm64";
      if (variant === "v8" || variant === "v8.0") variant = "";
      break;
    case "armhf":
      arch = "arm";
      variant = "v7";
      break;
    case "armel":
      arch = "arm";
      variant = "v6";
      break;
    case "arm":
      if (variant === "") variant = "v7";
      break;
  }
  const out = { os, architecture: arch };
  if (variant) out.variant = variant;
  if (p.osVersion) out.osVersion = p.osVersion;
  return out;
}
function formatPlatform(p) {
  return [p.os, p.architecture, p.variant].filter((x) => x).join("/");
}
function parsePlatform(s) {
  const parts = s.split("/");
  const ok = parts.length >= 2 && parts.length <= 3 && parts.every((x) => /^[A-Za-z0-9._-]+$/.test(x));
  if (!ok) {
    throw new RuntimeError("InvalidArgument", `Invalid platform ${JSON.stringify(s)}`, {
      hint: "write os/architecture[/variant], e.g. linux/amd64, linux/arm64/v8 or windows/amd64"
    });
  }
  const p = { os: parts[0], architecture: parts[1] };
  if (parts[2]) p.variant = parts[2];
  return normalizePlatform(p);
}
function hostPlatform() {
  const archMap = {
    x64: "amd64",
    arm64: "arm64",
    arm: "arm",
    ia32: "386",
    ppc64: "ppc64le",
    s390x: "s390x",
    riscv64: "riscv64",
    loong64: "loong64",
    mips: "mips",
    mipsel: "mipsle"
  };
  const p = { os: process.platform, architecture: archMap[process.arch] ?? process.arch };
  if (process.arch === "arm") {
    const v = process.config.variables.arm_version;
    if (typeof v === "string" || typeof v === "number") p.variant = `v${v}`;
  }
  return normalizePlatform(p);
}
function platformRank(wanted, candidate) {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os) return void 0;
  const armLevel = (v) => Number.parseInt((v ?? "v7").slice(1), 10);
  if (w.architecture === c.architecture) {
    if ((w.variant ?? "") === (c.variant ?? "")) return 0;
    if (w.architecture === "arm") {
      const wl = armLevel(w.variant);
      const cl = armLevel(c.variant);
      if (Number.isFinite(cl) && cl < wl) return wl - cl;
    }
    if (w.architecture === "amd64" && w.variant) {
      const wl = Number.parseInt(w.variant.slice(1), 10);
      const cl = c.variant ? Number.parseInt(c.variant.slice(1), 10) : 1;
      if (cl < wl) return wl - cl;
    }
    return void 0;
  }
  if (w.architecture === "arm64" && c.architecture === "arm") {
    const cl = armLevel(c.variant);
    if (cl <= 8) return 10 + (8 - cl);
  }
  if (w.architecture === "amd64" && c.architecture === "386") return 10;
  return void 0;
}
function platformMatches(wanted, candidate) {
  return platformRank(wanted, candidate) !== void 0;
}
function selectManifest(index, wanted) {
  let best;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const d of index.manifests) {
    if (!d.platform) continue;
    if (d.platform.os === "unknown" || d.platform.architecture === "unknown") continue;
    const r = platformRank(wanted, d.platform);
    if (r !== void 0 && r < bestRank) {
      best = d;
      bestRank = r;
    }
  }
  return best;
}

export {
  formatPlatform,
  parsePlatform,
  hostPlatform,
  platformMatches,
  selectManifest
};
