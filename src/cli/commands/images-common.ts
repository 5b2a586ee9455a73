import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { LocalContentStore } from '../../image/content-store.ts';
import { ImageStore } from '../../image/image-store.ts';
import { checkRegistryConfigDir, DEFAULT_REGISTRY_CONFIG_DIR } from '../../image/registry/hosts.ts';
import { hostDefaults } from '../../lib/host-os.ts';
import { prepareStateRoot } from '../../lib/state-root.ts';
import type { CliContext } from '../io.ts';

/** The `image` command group: found if another image command created it, else created here. */
export function imageCommandGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'image') ??
    program.command('image').summary('manage images (import, save, build, inspect, prune)')
  );
}

/** The `--registry-config-dir` option of the commands that reach registries. */
export function registryConfigDirOption(): Option {
  return new Option(
    '--registry-config-dir <dir>',
    'folder of <registry>/hosts.toml files: mirrors, TLS, headers (default /etc/hostpod/certs.d)',
  );
}

/**
 * The registry config folder for a command: the flag's (which must exist: a typo must not mean
 * "no mirrors"), else `$HOSTPOD_REGISTRY_CONFIG_DIR`, else /etc/hostpod/certs.d (absent = none).
 */
export async function registryConfigDir(flag: string | undefined, ctx: CliContext): Promise<string> {
  if (flag === undefined) return ctx.env.HOSTPOD_REGISTRY_CONFIG_DIR ?? DEFAULT_REGISTRY_CONFIG_DIR;
  const dir = resolve(ctx.cwd, flag);
  await checkRegistryConfigDir(dir);
  return dir;
}

/**
 * The state root a command works on without a daemon: `--root`, else `$HOSTPOD_ROOT`, else
 * /var/lib/hostpod — made, or its modes tightened, first (`prepareStateRoot`).
 */
export function resolveStateRoot(opt: string | undefined, ctx: CliContext): string {
  const root = opt ?? ctx.env.HOSTPOD_ROOT ?? hostDefaults().root;
  prepareStateRoot(root, ctx.uid);
  return root;
}

/** The content store (`<root>/content`) and image store (`<root>/images.json`) of a state root. */
export function openImageStores(root: string): { content: LocalContentStore; images: ImageStore } {
  const content = new LocalContentStore(join(root, 'content'));
  return { content, images: new ImageStore(root, content) };
}

/** Decimal sizes as `docker images` shows them: `512B`, `1.08MB`, `4.7GB`. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const s = i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${s.replace(/\.0+$|(\.\d*[1-9])0+$/, '$1')}${units[i]}`;
}

/** `5 minutes ago`, `3 days ago`, `2 years ago`; `N/A` when unknown or unparsable. */
export function timeAgo(iso: string | undefined, now: Date): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  const steps: [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [4.35, 'week'],
    [12, 'month'],
    [Number.POSITIVE_INFINITY, 'year'],
  ];
  let v = s;
  for (const [size, unit] of steps) {
    if (v < size) {
      const n = Math.floor(v);
      if (unit === 'second' && n < 60) return n <= 1 ? 'Less than a second ago' : `${n} seconds ago`;
      return `${n === 1 ? (unit === 'hour' ? 'An' : 'A') : n} ${unit}${n === 1 ? '' : 's'} ago`;
    }
    v /= size;
  }
  return 'N/A';
}

/** Lays out rows as space-separated columns (three spaces between), like `docker images`. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
