import { RuntimeError } from '../errors.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { parseReference } from '../oci/reference.ts';

const TAG_ONLY = /^[\w][\w.-]{0,127}$/;

/**
 * The name a layout's index entry gives its image: `io.containerd.image.name` (a full
 * reference, as `ctr export` writes), else `org.opencontainers.image.ref.name` — a full
 * reference, or only a tag (`latest`, as `skopeo … oci:DIR:latest` writes).
 */
export function nameFromAnnotations(d: Descriptor): { name?: string; tagOnly?: string } {
  const full = d.annotations?.['io.containerd.image.name'];
  if (full) return { name: full };
  const ref = d.annotations?.['org.opencontainers.image.ref.name'];
  if (!ref) return {};
  if (TAG_ONLY.test(ref)) return { tagOnly: ref };
  return { name: ref };
}

/** The tag a layout entry names: its tag-only name, or the tag of its full name. */
function entryTag(d: Descriptor): string | undefined {
  const n = nameFromAnnotations(d);
  if (n.tagOnly) return n.tagOnly;
  if (!n.name) return undefined;
  try {
    return parseReference(n.name).tag;
  } catch {
    return undefined;
  }
}

/** True when `ref` spells a tag (`repo:tag`), not just a repository. */
function hasTag(ref: string): boolean {
  const noDigest = ref.split('@')[0] ?? ref;
  return noDigest.lastIndexOf(':') > noDigest.lastIndexOf('/');
}

/**
 * Which entries of a layout to import and under which name (undefined: the layout's own).
 * Without `tag`: all, each keeping its name. With one entry: that one, named `tag`. With
 * several: `REPO:TAG` picks the entry tagged TAG; a bare `REPO` names every entry `REPO:<its
 * tag>`. Throws `InvalidArgument` when no entry has the tag, or two would get one name.
 */
export function nameGroups(
  what: string,
  groups: Descriptor[][],
  tag: string | undefined,
): { descs: Descriptor[]; name?: string }[] {
  if (tag === undefined) return groups.map((descs) => ({ descs }));
  if (groups.length === 1) return [{ descs: groups[0]!, name: tag }];
  const tags = groups.map((g) => entryTag(g[0]!));
  const ref = parseReference(tag);
  if (hasTag(tag)) {
    const i = tags.indexOf(ref.tag);
    if (i < 0) {
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot import ${what} as ${tag}: it holds ${groups.length} images and none is tagged "${ref.tag}"`,
        {
          hint: `its tags: ${tags.filter((t) => t).join(', ') || 'none'}; pass --tag ${ref.name}:TAG to pick one, or --tag ${ref.name} to import them all`,
        },
      );
    }
    return [{ descs: groups[i]!, name: tag }];
  }
  const seen = new Set<string>();
  return groups.map((descs, i) => {
    const t = tags[i];
    if (t === undefined || seen.has(t)) {
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot import ${what} as ${ref.name}:<tag>: ${t === undefined ? 'an image has no tag' : `two images are tagged "${t}"`}`,
        { hint: 'import without --tag to keep the names the archive gives' },
      );
    }
    seen.add(t);
    return { descs, name: `${ref.name}:${t}` };
  });
}
