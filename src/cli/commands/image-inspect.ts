import type { Command } from 'commander';
import { RuntimeError } from '../../errors.ts';
import type { LocalContentStore } from '../../image/content-store.ts';
import type { ImageRecord, ImageStore } from '../../image/image-store.ts';
import type { Digest } from '../../oci/digest.ts';
import { parseImageConfig, parseIndex, parseJson, parseManifest } from '../../oci/manifest.ts';
import {
  formatPlatform,
  type Platform,
  parsePlatform,
  platformMatches,
  selectManifest,
} from '../../oci/platform.ts';
import { type CliContext, out } from '../io.ts';
import { imageCommandGroup, openImageStores, resolveStateRoot } from './images-common.ts';

/** What `hostpod image inspect` prints for one image. */
export interface ImageInspection {
  names: string[];
  digest: Digest;
  indexDigest?: Digest;
  id: Digest;
  platform: string;
  size: number;
  created?: string;
  manifest: unknown;
  config: unknown;
}

/**
 * Builds the inspection of the image `query` names (name, id or digest), choosing `platform`
 * from its index when given. Throws `NotFound` when there is no such image, or when that
 * platform's manifest was not pulled.
 */
export async function inspectImage(
  content: LocalContentStore,
  images: ImageStore,
  query: string,
  platform?: Platform,
): Promise<ImageInspection> {
  const rec: ImageRecord | undefined = await images.get(query);
  if (!rec) {
    throw new RuntimeError('NotFound', `Image "${query}" not found`, {
      hint: 'list images with `hostpod images`, or pull it with `hostpod pull`',
    });
  }
  let manifestDigest = rec.digest;
  if (platform && !platformMatches(platform, parsePlatform(rec.platform))) {
    const idx = rec.indexDigest
      ? parseIndex(parseJson(await content.readBytes(rec.indexDigest), 'image index'))
      : undefined;
    const chosen = idx ? selectManifest(idx, platform) : undefined;
    if (!chosen || !(await content.info(chosen.digest))) {
      throw new RuntimeError(
        'NotFound',
        `Image "${query}" has no ${formatPlatform(platform)} manifest in the store (it is ${rec.platform})`,
        {
          hint: `pull it: hostpod pull --platform ${formatPlatform(platform)} ${rec.name || query}`,
        },
      );
    }
    manifestDigest = chosen.digest;
  }
  const manifestJson = parseJson(await content.readBytes(manifestDigest), 'image manifest');
  const manifest = parseManifest(manifestJson);
  const configJson = parseJson(await content.readBytes(manifest.config.digest), 'image config');
  const config = parseImageConfig(configJson);
  const all = await images.find(rec.digest);
  const result: ImageInspection = {
    names: [...new Set(all.map((r) => r.name).filter((n) => n !== ''))],
    digest: manifestDigest,
    id: manifest.config.digest,
    platform: [config.os, config.architecture, config.variant].filter((x) => x).join('/'),
    size: manifest.config.size + manifest.layers.reduce((a, l) => a + l.size, 0),
    manifest: manifestJson,
    config: configJson,
  };
  if (rec.indexDigest) result.indexDigest = rec.indexDigest;
  if (config.created) result.created = config.created;
  return result;
}

export function registerImageInspect(program: Command, ctx: CliContext): void {
  imageCommandGroup(program)
    .command('inspect')
    .summary("print an image's manifest and config as JSON")
    .description(
      'Print, as a JSON array, each named image: its names, manifest digest, id (config digest), ' +
        'platform, size, and the manifest and config documents themselves (docs/images.md).',
    )
    .argument('<image...>', 'image names, ids or digests')
    .option('--platform <os/arch[/variant]>', "inspect this platform's manifest of a multi-platform image")
    .option('--root <dir>', 'state root (default $HOSTPOD_ROOT or /var/lib/hostpod)')
    .action(async (queries: string[], flags: { platform?: string; root?: string }) => {
      const platform = flags.platform !== undefined ? parsePlatform(flags.platform) : undefined;
      const { content, images } = openImageStores(resolveStateRoot(flags.root, ctx));
      const results: ImageInspection[] = [];
      for (const q of queries) results.push(await inspectImage(content, images, q, platform));
      out(ctx, JSON.stringify(results, null, 2));
    });
}
