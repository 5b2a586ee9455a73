import type { Command } from 'commander';
import { parseLabelSelector } from '../../api/label-selector.ts';
import type { LogQuery, PodView } from '../../api/protocol.ts';
import { qualifiedName, resourceNamed } from '../../api/resources.ts';
import type { DaemonClient } from '../../client/client.ts';
import { RuntimeError } from '../../errors.ts';
import type { CliContext } from '../io.ts';
import {
  daemonClient,
  interruptSignal,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { selected } from './resource-args.ts';

interface LogsFlags extends SocketFlags, NamespaceFlags {
  container?: string;
  allContainers?: boolean;
  selector?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: string;
  since?: string;
  sinceTime?: string;
  timestamps?: boolean;
}

/** Seconds in a Go duration as kubectl takes it (`5m`, `1h30m`, `90s`, `1.5h`), rounded up. */
export function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length || total <= 0) {
    throw new RuntimeError('InvalidArgument', `--since "${text}" is not a duration`, {
      hint: 'give a duration such as 30s, 5m or 1h30m',
    });
  }
  return Math.ceil(total);
}

/** The log query of the flags (kubectl's meaning: `--tail -1` is everything). */
export function logQueryOf(flags: LogsFlags): LogQuery {
  const q: LogQuery = {};
  if (flags.container) q.container = flags.container;
  if (flags.follow) q.follow = true;
  if (flags.previous) q.previous = true;
  if (flags.timestamps) q.timestamps = true;
  if (flags.tail !== undefined && flags.tail !== '-1') {
    if (!/^\d+$/.test(flags.tail))
      throw new RuntimeError('InvalidArgument', `--tail "${flags.tail}" is not a line count`);
    q.tailLines = Number(flags.tail);
  }
  if (flags.since !== undefined && flags.sinceTime !== undefined)
    throw new RuntimeError('InvalidArgument', 'give at most one of --since and --since-time');
  if (flags.since !== undefined) q.sinceSeconds = parseGoDuration(flags.since);
  if (flags.sinceTime !== undefined) q.sinceTime = flags.sinceTime;
  return q;
}

export function registerLogs(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('logs')
    .summary("print a container's log (kubectl logs)")
    .description(
      "Print the log of a pod's container (-c; default the pod's first container, saying so on " +
        'stderr when it has several; --all-containers: each of them) from the daemon. For a workload ' +
        '(ds/NAME, deploy/NAME, …) one of its pods is picked, as kubectl does; -l prints the log of ' +
        'every pod whose labels match. -f follows it until the container ends or Ctrl-C; -p shows the ' +
        'previous run (after a restart).',
    )
    .argument('[target]', 'pod name, pod/NAME, or a workload: ds/NAME, deploy/NAME, sts/NAME, job/NAME, …')
    .option('-c, --container <name>', 'the container')
    .option('--all-containers', "every container's log, one after the other")
    .option('-l, --selector <selector>', 'the logs of every pod whose labels match (instead of a name)')
    .option('-f, --follow', 'keep printing new lines')
    .option('-p, --previous', "the previous run's log")
    .option('--tail <lines>', 'only the last N lines (-1: all)', '-1')
    .option('--since <duration>', 'only lines newer than this (5s, 2m, 3h)')
    .option('--since-time <time>', 'only lines after this RFC 3339 time')
    .option('--timestamps', 'prefix each line with its time');
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(async (target: string | undefined, flags: LogsFlags) => {
    const query = logQueryOf(flags);
    if (flags.allContainers && flags.container)
      throw new RuntimeError('InvalidArgument', 'give -c or --all-containers, not both');
    if ((target === undefined) === (flags.selector === undefined))
      throw new RuntimeError('InvalidArgument', 'name a pod or workload, or give -l, (one of them)', {
        hint: 'hostpod logs POD, hostpod logs ds/NAME, or hostpod logs -l app=NAME',
      });
    const namespace = namespaceOf(flags) ?? 'default';
    const client = await daemonClient(flags, ctx);
    const pods = await podsToLog(client, namespace, target, flags.selector);
    const { signal, dispose } = interruptSignal(ctx);
    try {
      for (const p of pods) {
        const containers = containerNames(p);
        let chosen = flags.container
          ? [flags.container]
          : flags.allContainers
            ? containers
            : containers.slice(0, 1);
        if (chosen.length === 0) chosen = [''];
        if (!flags.container && !flags.allContainers && containers.length > 1)
          ctx.stderr.write(`Defaulted container "${containers[0]}" out of: ${containers.join(', ')}\n`);
        for (const c of chosen) {
          const q = c ? { ...query, container: c } : query;
          for await (const chunk of client.logs(p.namespace, p.name, q, signal)) {
            if (!ctx.stdout.write(chunk)) await new Promise((r) => ctx.stdout.once('drain', r));
          }
        }
      }
    } finally {
      dispose();
    }
  });
}

function containerNames(p: PodView): string[] {
  const spec = p.manifest.spec as { containers?: { name?: unknown }[] } | undefined;
  return (Array.isArray(spec?.containers) ? spec.containers : []).flatMap((c) =>
    typeof c.name === 'string' ? [c.name] : [],
  );
}

/** The pods whose logs are printed: the one named, one of a workload's (running first), or those of -l. */
async function podsToLog(
  client: DaemonClient,
  namespace: string,
  target: string | undefined,
  selector: string | undefined,
): Promise<PodView[]> {
  if (target === undefined) {
    const sel = parseLabelSelector(selector ?? '');
    const pods = selected(await client.listPods({ namespace }), sel).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    if (pods.length === 0)
      throw new RuntimeError('NotFound', `no pod in namespace "${namespace}" matches "${selector}"`, {
        hint: 'hostpod get pods --show-labels shows their labels',
      });
    return pods;
  }
  const slash = target.indexOf('/');
  const r = slash > 0 ? resourceNamed(target.slice(0, slash)) : resourceNamed('pod');
  const name = slash > 0 ? target.slice(slash + 1) : target;
  if (!r)
    throw new RuntimeError('InvalidArgument', `hostpod logs: no resource type "${target.slice(0, slash)}"`, {
      hint: 'hostpod logs POD, or TYPE/NAME with TYPE one of pod, ds, deploy, rs, sts, job, cj',
    });
  if (r.kind === 'Pod') return [await client.getPod(namespace, name)];
  const w = await client.getWorkload(r.kind, namespace, name);
  const live = w.pods
    .filter((p) => !p.deletedAt)
    .sort((a, b) => Number(b.phase === 'Running') - Number(a.phase === 'Running'));
  const pod = live[0];
  if (!pod)
    throw new RuntimeError('NotFound', `${qualifiedName(w.kind, w.name)} has no pod on this node`, {
      hint: `hostpod describe ${r.plural} ${name} shows why`,
    });
  return [pod];
}
