import type { Command } from 'commander';
import type { LogQuery } from '../../api/protocol.ts';
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

interface LogsFlags extends SocketFlags, NamespaceFlags {
  container?: string;
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
      "Print the log of a pod's container (-c; default the pod's first container) from the daemon. " +
        '-f follows it until the container ends or Ctrl-C; -p shows the previous run (after a restart).',
    )
    .argument('<pod>', 'pod name (or pod/NAME)')
    .option('-c, --container <name>', 'the container')
    .option('-f, --follow', 'keep printing new lines')
    .option('-p, --previous', "the previous run's log")
    .option('--tail <lines>', 'only the last N lines (-1: all)', '-1')
    .option('--since <duration>', 'only lines newer than this (5s, 2m, 3h)')
    .option('--since-time <time>', 'only lines after this RFC 3339 time')
    .option('--timestamps', 'prefix each line with its time');
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(async (pod: string, flags: LogsFlags) => {
    const name = pod.startsWith('pod/') ? pod.slice(4) : pod.startsWith('pods/') ? pod.slice(5) : pod;
    const query = logQueryOf(flags);
    const namespace = namespaceOf(flags) ?? 'default';
    const client = await daemonClient(flags, ctx);
    const { signal, dispose } = interruptSignal(ctx);
    try {
      for await (const chunk of client.logs(namespace, name, query, signal)) {
        if (!ctx.stdout.write(chunk)) await new Promise((r) => ctx.stdout.once('drain', r));
      }
    } finally {
      dispose();
    }
  });
}
