/**
 * Workloads as objects: the DaemonSets, Deployments, … applied to the node are stored as
 * applied (`state/workloads.ts`), the pod each runs points to it, and they are listed, deleted
 * (their pods first) and restarted (`kubectl rollout restart`: a new `restartedAt` annotation on
 * the pod template, so the pod is replaced with new containers). The node agent delegates here.
 */
import { sameDesiredState } from '../api/applied-object.ts';
import type { DeleteOptions, WorkloadFilter } from '../api/node-api.ts';
import type {
  ApplyRequest,
  ApplyResponse,
  ApplyResult,
  DeleteResponse,
  PodView,
  WorkloadView,
} from '../api/protocol.ts';
import { isOwnerKind, type OwnerKind, RESTARTABLE_KINDS, resourceOfKind } from '../api/resources.ts';
import { RuntimeError } from '../errors.ts';
import type { JsonObject } from '../state/json.ts';
import type { PodRecord, PutChange } from '../state/pods.ts';
import type { StateDb } from '../state/state-db.ts';
import type { WorkloadRecord } from '../state/workloads.ts';
import type { DesiredPod } from './apply.ts';

/** What the workload logic needs of the node agent. */
export interface WorkloadHost {
  db: StateDb;
  viewOf(rec: PodRecord): PodView;
  deletePod(namespace: string, name: string, options: DeleteOptions): Promise<DeleteResponse>;
  apply(request: ApplyRequest): Promise<ApplyResponse>;
}

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/**
 * True when two workload manifests want the same thing: apply's one comparison
 * (`sameDesiredState`: `status` and the fields the server sets do not count).
 */
export function sameWorkloadState(stored: JsonObject, next: object): boolean {
  return sameDesiredState(stored, next);
}

function templateAnnotations(manifest: object): Record<string, unknown> | undefined {
  const a = Reflect.get(manifest, 'spec')?.template?.metadata?.annotations as unknown;
  return a !== null && typeof a === 'object' ? (a as Record<string, unknown>) : undefined;
}

/**
 * A `rollout restart` stamp the applied manifest does not carry is kept (as kubectl's three-way
 * merge keeps it): applying the same file after a restart changes nothing.
 */
function keepRestartedAt(stored: JsonObject, p: DesiredPod): void {
  const stamp = templateAnnotations(stored)?.[RESTARTED_AT];
  const w = p.workload;
  if (typeof stamp !== 'string' || !w || templateAnnotations(w.manifest)?.[RESTARTED_AT] !== undefined)
    return;
  const spec = (w.manifest.spec ?? {}) as Record<string, unknown>;
  const template = (spec.template ?? {}) as Record<string, unknown>;
  const meta = (template.metadata ?? {}) as Record<string, unknown>;
  const annotations = { ...((meta.annotations ?? {}) as Record<string, unknown>), [RESTARTED_AT]: stamp };
  w.manifest = {
    ...w.manifest,
    spec: { ...spec, template: { ...template, metadata: { ...meta, annotations } } },
  };
  const podMeta = (p.manifest.metadata ?? {}) as Record<string, unknown>;
  p.manifest = {
    ...p.manifest,
    metadata: {
      ...podMeta,
      annotations: { ...((podMeta.annotations ?? {}) as Record<string, unknown>), [RESTARTED_AT]: stamp },
    },
  };
  p.pod.metadata.annotations = { ...(p.pod.metadata.annotations ?? {}), [RESTARTED_AT]: stamp };
}

function ownerKind(kind: string): OwnerKind {
  if (!isOwnerKind(kind))
    throw new RuntimeError('InvalidArgument', `"${kind}" is not a workload kind hostpod keeps`, {
      hint: 'one of DaemonSet, Deployment, ReplicaSet, StatefulSet, Job, CronJob',
    });
  return kind;
}

export class Workloads {
  readonly #x: WorkloadHost;

  constructor(host: WorkloadHost) {
    this.#x = host;
  }

  viewOf(w: WorkloadRecord): WorkloadView {
    return {
      uid: w.uid,
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
      manifest: w.manifest as Record<string, unknown>,
      createdAt: w.createdAt,
      generation: w.generation,
      pods: this.#x.db.pods.listByOwner(w.uid).map((p) => this.#x.viewOf(p)),
    };
  }

  list(filter: WorkloadFilter = {}): WorkloadView[] {
    const kind = filter.kind === undefined ? undefined : ownerKind(filter.kind);
    return this.#x.db.workloads
      .list({
        ...(kind ? { kind } : {}),
        ...(filter.namespace ? { namespace: filter.namespace } : {}),
      })
      .map((w) => this.viewOf(w));
  }

  get(kind: string, namespace: string, name: string): WorkloadView {
    return this.viewOf(this.#mustFind(kind, namespace, name));
  }

  /**
   * Stores the workloads of `pods` (one transition) and says, per pod (`ns/name`), its owner's
   * uid and what apply did to the workload. With `dryRun` nothing is stored.
   */
  store(pods: DesiredPod[], dryRun: boolean): Map<string, { uid?: string; change: PutChange }> {
    const out = new Map<string, { uid?: string; change: PutChange }>();
    const run = () => {
      for (const p of pods) {
        const w = p.workload;
        if (!w) continue;
        const old = this.#x.db.workloads.find(w.kind, w.namespace, w.name);
        if (old) keepRestartedAt(old.manifest, p);
        if (dryRun) {
          const change: PutChange =
            old === undefined
              ? 'created'
              : sameWorkloadState(old.manifest, w.manifest)
                ? 'unchanged'
                : 'configured';
          out.set(`${p.namespace}/${p.name}`, { change });
          continue;
        }
        const r = this.#x.db.workloads.put({ ...w, same: sameWorkloadState });
        out.set(`${p.namespace}/${p.name}`, { uid: r.workload.uid, change: r.change });
      }
    };
    if (dryRun) run();
    else this.#x.db.transition(run);
    return out;
  }

  /** The result apply reports for a workload's pod: the workload, changed when either changed. */
  static result(p: DesiredPod, pod: ApplyResult, workload: PutChange | undefined): ApplyResult {
    if (!p.workload) return pod;
    const change = workload === undefined || workload === 'unchanged' ? pod.change : workload;
    return { kind: p.workload.kind, namespace: p.workload.namespace, name: p.workload.name, change };
  }

  /** Deletes the workload's pods (waiting for them unless `wait` is false), then the workload. */
  async delete(
    kind: string,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<DeleteResponse> {
    const w = this.#mustFind(kind, namespace, name);
    const work = async () => {
      for (const p of this.#x.db.pods.listByOwner(w.uid)) {
        await this.#x.deletePod(p.namespace, p.name, { ...options, wait: true }).catch((e: unknown) => {
          if (!(e instanceof RuntimeError && e.code === 'NotFound')) throw e;
        });
      }
      this.#x.db.workloads.remove(w.uid);
    };
    if (options.wait === false) {
      void work().catch(() => {});
      return { namespace, name, status: 'terminating' };
    }
    await work();
    return { namespace, name, status: 'deleted' };
  }

  /** `kubectl rollout restart`: a new `restartedAt` on the template, applied again. */
  async restart(kind: string, namespace: string, name: string, now = new Date()): Promise<WorkloadView> {
    const w = this.#mustFind(kind, namespace, name);
    if (!RESTARTABLE_KINDS.includes(w.kind))
      throw new RuntimeError(
        'FailedPrecondition',
        `Cannot restart ${w.kind} "${namespace}/${name}": rollout restart takes DaemonSets, Deployments and StatefulSets`,
        { hint: `delete and apply the ${w.kind} again to run it anew` },
      );
    const manifest = structuredClone(w.manifest) as Record<string, unknown>;
    const spec = (manifest.spec ?? {}) as Record<string, unknown>;
    const template = (spec.template ?? {}) as Record<string, unknown>;
    const meta = (template.metadata ?? {}) as Record<string, unknown>;
    const annotations = {
      ...((meta.annotations ?? {}) as Record<string, unknown>),
      [RESTARTED_AT]: now.toISOString(),
    };
    manifest.spec = { ...spec, template: { ...template, metadata: { ...meta, annotations } } };
    await this.#x.apply({ objects: [manifest] });
    return this.get(w.kind, namespace, name);
  }

  #mustFind(kind: string, namespace: string, name: string): WorkloadRecord {
    const k = ownerKind(kind);
    const w = this.#x.db.workloads.find(k, namespace, name);
    if (!w) {
      const plural = resourceOfKind(k)?.plural ?? k.toLowerCase();
      const group = resourceOfKind(k)?.apiVersion.split('/')[0] ?? '';
      throw new RuntimeError(
        'NotFound',
        `${plural}.${group} "${name}" not found in namespace "${namespace}"`,
        {
          hint: `list them with hostpod get ${plural} -A`,
        },
      );
    }
    return w;
  }
}
