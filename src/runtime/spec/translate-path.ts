/** One mount as the container sees it: `target` (container path) shows `source` (host path). */
export interface MountMapping {
  source: string;
  target: string;
}

/**
 * Maps a container path to the host path that holds it, through the mounts of the
 * container's private mount namespace: the longest matching target wins (a later mount at the
 * same target covers an earlier one); a path under no mount is the host path itself (the
 * host's root is shared). `containerPath` must be absolute and normalised.
 */
export function translatePath(containerPath: string, mounts: readonly MountMapping[]): string {
  let best: MountMapping | undefined;
  for (const m of mounts) {
    const t = m.target;
    const under = containerPath === t || t === '/' || containerPath.startsWith(`${t}/`);
    if (under && (best === undefined || t.length >= best.target.length)) best = m;
  }
  if (best === undefined) return containerPath;
  const rest = best.target === '/' ? containerPath : containerPath.slice(best.target.length);
  if (rest === '' || rest === '/') return best.source;
  return `${best.source.endsWith('/') ? best.source.slice(0, -1) : best.source}${rest}`;
}
