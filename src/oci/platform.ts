import { RuntimeError } from '../errors.ts';
import type { Descriptor, ImageIndex } from './manifest.ts';

/** An OCI platform: what an image's binaries run on. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  /** Windows build, e.g. `10.0.17763.1234`; informative only here. */
  osVersion?: string;
}

const OS_ALIASES: Record<string, string> = { win32: 'windows', macos: 'darwin' };

/**
 * Normalises a platform the way containerd does: architecture aliases (`x86_64` → `amd64`,
 * `aarch64` → `arm64`, `armhf` → `arm/v7`, `i386` → `386`), variant spellings (`7` → `v7`),
 * the default variants dropped for arm64 (`v8`) and amd64 (`v1`), `arm` without variant = `v7`.
 */
export function normalizePlatform(p: Platform): Platform {
  const os = (OS_ALIASES[p.os.toLowerCase()] ?? p.os).toLowerCase();
  let arch = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() ?? '';
  if (/^\d+(\.\d+)?$/.test(variant)) variant = `v${variant}`;
  switch (arch) {
    case 'i386':
    case 'i686':
      arch = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      arch = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (variant === 'v8' || variant === 'v8.0') variant = '';
      break;
    case 'armhf':
      arch = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      arch = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '') variant = 'v7';
      break;
  }
  const out: Platform = { os, architecture: arch };
  if (variant) out.variant = variant;
  if (p.osVersion) out.osVersion = p.osVersion;
  return out;
}

/** `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x).join('/');
}

/**
 * Parses `os/arch[/variant]` (`linux/arm64/v8`, `windows/amd64`) and normalises it.
 * Throws RuntimeError `InvalidArgument` for anything else.
 */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  const ok = parts.length >= 2 && parts.length <= 3 && parts.every((x) => /^[A-Za-z0-9._-]+$/.test(x));
  if (!ok) {
    throw new RuntimeError('InvalidArgument', `Invalid platform ${JSON.stringify(s)}`, {
      hint: 'write os/architecture[/variant], e.g. linux/amd64, linux/arm64/v8 or windows/amd64',
    });
  }
  const p: Platform = { os: parts[0]!, architecture: parts[1]! };
  if (parts[2]) p.variant = parts[2];
  return normalizePlatform(p);
}

/** The platform of the running host (as Node reports it), normalised. */
export function hostPlatform(): Platform {
  const archMap: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loong64',
    mips: 'mips',
    mipsel: 'mipsle',
  };
  const p: Platform = { os: process.platform, architecture: archMap[process.arch] ?? process.arch };
  if (process.arch === 'arm') {
    const v = (process.config.variables as Record<string, unknown>).arm_version;
    if (typeof v === 'string' || typeof v === 'number') p.variant = `v${v}`;
  }
  return normalizePlatform(p);
}

/**
 * How well `candidate` runs on `wanted`: 0 is an exact match, higher is a worse but still
 * compatible one, undefined is not compatible. As containerd's `platforms.Only`: the same os
 * and architecture; an arm variant at or below the wanted one (v7 runs v6 and v5); arm64 hosts
 * also run arm/v8..v5 images, amd64 hosts also run 386 images, each ranked after native ones.
 */
export function platformRank(wanted: Platform, candidate: Platform): number | undefined {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os) return undefined;
  const armLevel = (v: string | undefined) => Number.parseInt((v ?? 'v7').slice(1), 10);
  if (w.architecture === c.architecture) {
    if ((w.variant ?? '') === (c.variant ?? '')) return 0;
    if (w.architecture === 'arm') {
      const wl = armLevel(w.variant);
      const cl = armLevel(c.variant);
      if (Number.isFinite(cl) && cl < wl) return wl - cl;
    }
    if (w.architecture === 'amd64' && w.variant) {
      // An amd64/v3 host also runs v2 and plain amd64 images.
      const wl = Number.parseInt(w.variant.slice(1), 10);
      const cl = c.variant ? Number.parseInt(c.variant.slice(1), 10) : 1;
      if (cl < wl) return wl - cl;
    }
    return undefined;
  }
  if (w.architecture === 'arm64' && c.architecture === 'arm') {
    const cl = armLevel(c.variant);
    if (cl <= 8) return 10 + (8 - cl);
  }
  if (w.architecture === 'amd64' && c.architecture === '386') return 10;
  return undefined;
}

/** True when an image of platform `candidate` runs on `wanted`. */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  return platformRank(wanted, candidate) !== undefined;
}

/**
 * Picks the manifest for `wanted` from an index: the best-ranked compatible entry
 * ({@link platformRank}); among equals, the first in index order. Entries without a platform
 * are skipped (attestations, etc.). Returns undefined when none fits.
 */
export function selectManifest(index: ImageIndex, wanted: Platform): Descriptor | undefined {
  let best: Descriptor | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const d of index.manifests) {
    if (!d.platform) continue;
    if (d.platform.os === 'unknown' || d.platform.architecture === 'unknown') continue;
    const r = platformRank(wanted, d.platform);
    if (r !== undefined && r < bestRank) {
      best = d;
      bestRank = r;
    }
  }
  return best;
}
