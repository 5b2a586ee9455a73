/**
 * `hostpod logs` on the daemon: the lines of a container's current (or previous) run from its
 * CRI log, with `tailLines` / `since` / `timestamps`, and with `follow` the lines that come
 * after, until the run ends or the client goes away.
 */
import type { LogQuery } from '../api/protocol.ts';
import type { Pod } from '../api/types.ts';
import { RuntimeError } from '../errors.ts';
import { LogFollower, type LogLine, readLogLines } from '../runtime/logs/cri-log.ts';
import { logPath } from '../services/records.ts';
import type { ContainerRecord as ContainerRow } from '../state/containers.ts';
import type { PodRecord } from '../state/pods.ts';
import { defaultContainer } from './views.ts';

const NL = Buffer.from('\n');

export interface PodLogsArgs {
  root: string;
  pod: PodRecord;
  /** The decoded pod (its container names), when it decodes. */
  spec: Pod | undefined;
  /** Every stored run of the pod's containers. */
  runs: ContainerRow[];
  /** Whether the run `id` still runs (asked while following). */
  stillRunning: (id: string) => boolean | Promise<boolean>;
  query: LogQuery;
  write: (chunk: Buffer) => Promise<void>;
  signal: AbortSignal;
}

/** Throws `NotFound` (container, run, previous run) and `InvalidArgument` (query). */
export async function streamPodLogs(args: PodLogsArgs): Promise<void> {
  const { query, write, signal } = args;
  const rec = args.pod;
  const name = rec.name;
  const pod = args.spec;
  const rows = args.runs;
  const container = query.container ?? defaultContainer(rec, pod);
  const mine = rows.filter((r) => r.name === container).sort((a, b) => a.attempt - b.attempt);
  if (mine.length === 0) {
    const known = pod ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name) : [];
    if (!known.includes(container))
      throw new RuntimeError('NotFound', `container "${container}" is not valid for pod "${name}"`, {
        hint: `choose one of: ${known.join(', ')}`,
      });
    throw new RuntimeError('NotFound', `container "${container}" in pod "${name}" has not started yet`);
  }
  let row = mine[mine.length - 1]!;
  if (query.previous) {
    const prev = mine[mine.length - 2];
    if (!prev)
      throw new RuntimeError(
        'NotFound',
        `previous terminated container "${container}" in pod "${name}" not found`,
      );
    row = prev;
  }
  if (query.tailLines !== undefined && (!Number.isSafeInteger(query.tailLines) || query.tailLines < 0))
    throw new RuntimeError('InvalidArgument', `Invalid tailLines ${query.tailLines}: expected 0 or more`);
  let since: Date | undefined;
  if (query.sinceTime !== undefined) {
    since = new Date(query.sinceTime);
    if (Number.isNaN(since.getTime()))
      throw new RuntimeError(
        'InvalidArgument',
        `Invalid sinceTime "${query.sinceTime}": expected an RFC 3339 time`,
      );
  } else if (query.sinceSeconds !== undefined) {
    if (!Number.isFinite(query.sinceSeconds) || query.sinceSeconds < 0)
      throw new RuntimeError('InvalidArgument', `Invalid sinceSeconds ${query.sinceSeconds}`);
    since = new Date(Date.now() - query.sinceSeconds * 1000);
  }
  const path = logPath(args.root, row.id);
  const format = (l: LogLine) =>
    query.timestamps ? Buffer.concat([Buffer.from(`${l.time} `), l.text, NL]) : Buffer.concat([l.text, NL]);
  const following = query.follow === true && !query.previous && 'running' in row.state;
  if (!following) {
    // Only what is shown is read: a --tail 10 of a 50 MiB log stays small.
    const shown = await readLogLines(path, {
      ...(query.tailLines !== undefined ? { tail: query.tailLines } : {}),
      ...(since ? { since } : {}),
    });
    for (let i = 0; i < shown.length; i += 256)
      await write(Buffer.concat(shown.slice(i, i + 256).map(format)));
    return;
  }
  if (signal.aborted) return;
  // Following: one follower from the start of the log. Until it has caught up, lines are the
  // backlog (filtered by since, the last tailLines kept); after, every line is new. No line is
  // lost or repeated between the two, whatever the rotation does.
  const tail = query.tailLines;
  let backlog: Buffer[] | undefined = [];
  let chain = Promise.resolve();
  const send = (chunk: Buffer) => {
    chain = chain.then(() => write(chunk)).catch(() => {});
  };
  const follower = new LogFollower(
    path,
    (l) => {
      if (!backlog) return send(format(l));
      if (since && new Date(l.time) < since) return;
      if (tail === 0) return;
      backlog.push(format(l));
      if (tail !== undefined && backlog.length > tail) backlog.shift();
    },
    {
      onCaughtUp: () => {
        const lines = backlog ?? [];
        backlog = undefined;
        for (let i = 0; i < lines.length; i += 256) send(Buffer.concat(lines.slice(i, i + 256)));
      },
    },
  ).start();
  const id = row.id;
  await new Promise<void>((resolve) => {
    let asking = false;
    const check = async () => {
      if (asking) return;
      asking = true;
      try {
        if (!(await args.stillRunning(id))) done();
      } catch {
        done();
      } finally {
        asking = false;
      }
    };
    const timer = setInterval(() => void check(), 200);
    const done = () => {
      clearInterval(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void check();
  });
  await follower.stop();
  // Stopped before it ever caught up (the log went away): the backlog still goes out.
  if (backlog) {
    const lines = backlog;
    backlog = undefined;
    for (let i = 0; i < lines.length; i += 256) send(Buffer.concat(lines.slice(i, i + 256)));
  }
  await chain;
}
