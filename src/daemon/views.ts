/**
 * How the daemon's records look through its API (`api/protocol.ts`) and the small derivations
 * the core needs: pod, event and image views, a stored run as a container result, the waiting
 * reason of a failed preparation, the bytes of a container's log files.
 */
import { stat } from 'node:fs/promises';
import type { PodPhase } from '../api/pod-status-types.ts';
import type { EventView, ImageView, OwnerView, PodView } from '../api/protocol.ts';
import type { Pod } from '../api/types.ts';
import { RuntimeError } from '../errors.ts';
import type { ImageRecord } from '../image/image-store.ts';
import type { StatusSpec } from '../services/pod-status.ts';
import { composeStatus, parseStoredStatus } from '../services/stored-status.ts';
import type { ContainerRecord as ContainerRow } from '../state/containers.ts';
import type { EventRecord } from '../state/events.ts';
import type { PodRecord } from '../state/pods.ts';

export function nameOf(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/** The containers a stored manifest names, as its status needs them (no full decode). */
export function statusSpecOf(manifest: Record<string, unknown>): StatusSpec {
  const spec = (manifest.spec ?? {}) as Record<string, unknown>;
  const list = (k: string) =>
    (Array.isArray(spec[k]) ? (spec[k] as unknown[]) : []).flatMap((c) => {
      const o = c as { name?: unknown; image?: unknown; restartPolicy?: unknown } | null;
      if (typeof o?.name !== 'string') return [];
      return [
        {
          name: o.name,
          ...(typeof o.image === 'string' ? { image: o.image } : {}),
          ...(typeof o.restartPolicy === 'string' ? { restartPolicy: o.restartPolicy } : {}),
        },
      ];
    });
  return {
    restartPolicy: typeof spec.restartPolicy === 'string' ? spec.restartPolicy : 'Always',
    initContainers: list('initContainers'),
    containers: list('containers'),
  };
}

/** A pod as the API shows it: its status composed from what is kept and its container records. */
export function viewOf(rec: PodRecord, rows: readonly ContainerRow[], owner?: OwnerView): PodView {
  const stored = parseStoredStatus(rec.status);
  const manifest = rec.manifest as Record<string, unknown>;
  const status = stored ? composeStatus(statusSpecOf(manifest), stored, rows) : undefined;
  return {
    uid: rec.uid,
    namespace: rec.namespace,
    name: rec.name,
    manifest,
    source: rec.source,
    createdAt: rec.createdAt,
    ...(rec.deletedAt ? { deletedAt: rec.deletedAt } : {}),
    generation: rec.generation,
    phase: (rec.phase ?? 'Pending') as PodPhase,
    ...(status ? { status } : {}),
    ...(owner ? { owner } : {}),
  };
}

export function eventView(
  e: EventRecord,
  names: Map<string, { namespace: string; name: string; uid: string }>,
): EventView {
  const pod = e.podUid ? names.get(e.podUid) : undefined;
  return {
    id: e.id,
    ...(pod ? { pod } : {}),
    type: e.type,
    reason: e.reason,
    message: e.message,
    firstTime: e.firstTime,
    time: e.time,
    count: e.count,
  };
}

export function defaultContainer(rec: PodRecord, pod: Pod | undefined): string {
  const names = pod?.spec.containers.map((c) => c.name) ?? [];
  if (names.length === 1) return names[0]!;
  throw new RuntimeError(
    'InvalidArgument',
    `a container name must be specified for pod ${rec.name}, choose one of: [${names.join(' ')}]`,
    { hint: 'add -c NAME' },
  );
}

export async function logBytes(path: string): Promise<number> {
  let total = 0;
  for (let k = 0; k < 100; k++) {
    try {
      total += (await stat(k === 0 ? path : `${path}.${k}`)).size;
    } catch {
      if (k > 0) break;
    }
  }
  return total;
}

export function imageView(r: ImageRecord): ImageView {
  const [os = '', architecture = ''] = r.platform.split('/');
  return {
    reference: r.name,
    manifestDigest: r.digest,
    configDigest: r.configDigest,
    size: r.size,
    os,
    architecture,
    ...(r.created ? { createdAt: r.created } : {}),
  };
}
