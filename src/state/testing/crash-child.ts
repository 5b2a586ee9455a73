/**
 * The workload of the crash test (crash.test.ts): performs state transitions in a loop, as the
 * daemon will — a container's state, the pod's status, an event and a progress counter moving
 * together in one transition — and prints each transition's number once it is committed, until
 * it is killed. Usage: crash-child.ts DB_PATH SEED
 */
import { writeSync } from 'node:fs';
import type { ContainerState } from '../container-state.ts';
import { parseContainerId, parsePodUid } from '../ids.ts';
import { openStateDb } from '../state-db.ts';
import { CONTAINER_NAMES, POD_COUNT, PROGRESS } from './crash-shared.ts';
import { podManifest } from './temp-state.ts';

const [path, seedArg] = process.argv.slice(2);
if (!path) throw new Error('usage: crash-child.ts DB_PATH SEED');
let seed = Number(seedArg ?? 1) >>> 0 || 1;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return (seed >>> 8) % n;
};
const db = openStateDb(path);
const uid = (i: number) => parsePodUid(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

let seq = Number(db.objects.get(PROGRESS.kind, PROGRESS.namespace, PROGRESS.name)?.object.seq ?? 0);
writeSync(1, 'ready\n');
for (;;) {
  const now = new Date().toISOString();
  const pod = uid(rand(POD_COUNT));
  const name = CONTAINER_NAMES[rand(CONTAINER_NAMES.length)]!;
  const next = seq + 1;
  db.transition(() => {
    let p = db.pods.get(pod);
    if (p === undefined || rand(20) === 0) {
      // A new pod, or a changed spec (generation + 1), as `hostpod apply` does.
      const image = `busybox:1.${rand(3) + 35}`;
      const podName = `pod-${pod.slice(-2)}`;
      const manifest = podManifest(podName, image);
      p = db.pods.put({
        namespace: 'default',
        name: podName,
        manifest,
        source: { kind: 'apply' },
        uid: pod,
      }).pod;
    }
    const latest = db.containers.listByPod(pod, { latest: true }).find((c) => c.name === name);
    let state: ContainerState;
    let id = latest?.id;
    let attempt = latest?.attempt ?? 0;
    let lastState = latest?.lastState;
    if (latest === undefined || 'terminated' in latest.state) {
      attempt = latest === undefined ? 0 : latest.attempt + 1;
      id = parseContainerId(
        `c${pod.replaceAll('-', '').slice(-8)}${name === 'main' ? 'a' : 'b'}${String(attempt).padStart(23, '0')}`,
      );
      state = { waiting: { reason: 'ContainerCreating' } };
      lastState = latest?.state;
      db.containers.create({
        id,
        podUid: pod,
        pod: { namespace: p.namespace, name: p.name },
        owner: { pid: process.pid, startTime: '', daemon: true },
        name,
        type: 'container',
        attempt,
        image: 'busybox:1.36',
        state,
        ...(lastState ? { lastState } : {}),
      });
      if (latest && attempt > 2)
        db.containers.remove(parseContainerId(`${id.slice(0, 10)}${String(attempt - 3).padStart(23, '0')}`));
    } else {
      state =
        'waiting' in latest.state
          ? { running: { startedAt: now } }
          : {
              terminated: {
                exitCode: rand(3),
                reason: 'Error',
                startedAt: latest.startedAt ?? now,
                finishedAt: now,
              },
            };
      db.containers.update(latest.id, { state });
    }
    const old = (p.status?.containerStatuses ?? []) as { name: string }[];
    const statuses = [
      ...old.filter((s) => s.name !== name),
      { name, containerID: id, restartCount: attempt, state, lastState: lastState ?? {} },
    ].sort((a, b) => a.name.localeCompare(b.name));
    const running = statuses.some((s) => 'state' in s && typeof s.state === 'object' && 'running' in s.state);
    const status = {
      phase: running ? ('Running' as const) : ('Pending' as const),
      seq: next,
      observedGeneration: p.generation,
      containerStatuses: statuses,
    };
    db.pods.setStatus(pod, status);
    db.events.add({ podUid: pod, type: 'Normal', reason: 'Transition', message: `seq ${next}`, at: now });
    db.objects.put(PROGRESS.kind, { kind: PROGRESS.kind, metadata: { name: PROGRESS.name }, seq: next });
  });
  seq = next;
  writeSync(1, `${seq}\n`);
}
