// Entry point of the unpack worker thread (started by apply-worker.ts): jobs one at a time,
// each answered with its id.
import { parentPort } from 'node:worker_threads';
import { type WorkerApplyOptions, type WorkerSource, work } from './apply-worker.ts';

let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (m: { id: number; source: WorkerSource; opts: WorkerApplyOptions }) => {
  queue = queue.then(() =>
    work(m.source, m.opts).then((reply) => parentPort?.postMessage({ id: m.id, reply })),
  );
});
