/**
 * Whether an image may be removed: not while a pod of this state root may use it — a stored pod
 * of the daemon (running or not: it may start again) or a container that has not ended (a
 * `hostpod run`'s). Images are compared by what their names resolve to, so an id, a digest or
 * another name of an image in use is refused too. Used by `rmi` with and without the daemon.
 */
import { RuntimeError } from '../errors.ts';
import type { ImageStore } from '../image/image-store.ts';
import type { StateDb } from '../state/state-db.ts';

/** The image references a stored pod manifest names (init, regular and ephemeral containers). */
function manifestImages(manifest: Record<string, unknown>): string[] {
  const spec = manifest.spec as Record<string, unknown> | undefined;
  const out: string[] = [];
  for (const k of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec?.[k];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const image = (c as { image?: unknown } | null)?.image;
      if (typeof image === 'string' && image !== '') out.push(image);
    }
  }
  return out;
}

/**
 * Throws `FailedPrecondition` naming the pod when a pod of the state root uses the image that
 * `reference` resolves to. An unknown reference passes (the removal then says `NotFound`).
 */
export async function assertImageUnused(images: ImageStore, reference: string, db: StateDb): Promise<void> {
  const target = await images.get(reference);
  if (!target) return;
  const users: { pod: string; image: string }[] = [];
  for (const p of db.pods.list())
    for (const image of manifestImages(p.manifest)) users.push({ pod: `${p.namespace}/${p.name}`, image });
  for (const c of db.containers.listUnfinished())
    users.push({ pod: `${c.pod.namespace}/${c.pod.name}`, image: c.image });
  const resolved = new Map<string, string | undefined>();
  for (const u of users) {
    if (!resolved.has(u.image))
      resolved.set(u.image, (await images.get(u.image).catch(() => undefined))?.digest);
    if (resolved.get(u.image) === target.digest)
      throw new RuntimeError(
        'FailedPrecondition',
        `Cannot remove image "${reference}": pod "${u.pod}" uses it`,
        {
          hint: 'delete the pod first',
        },
      );
  }
}
