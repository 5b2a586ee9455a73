import type { Command } from 'commander';
import type { ContainerStatsView } from '../../api/protocol.ts';
import { type CliContext, out } from '../io.ts';
import {
  daemonClient,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  podNames,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { formatColumns } from './table.ts';

/** kubectl top's CPU cell: millicores as `12m`. */
export function cpuCell(millicores: number | undefined): string {
  return millicores === undefined ? '<unknown>' : `${Math.round(millicores)}m`;
}

/** kubectl top's memory cell: whole MiB as `34Mi`. */
export function memoryCell(bytes: number): string {
  return `${Math.floor(bytes / (1024 * 1024))}Mi`;
}

/** The rows of `top pods` (per pod, or per container with `containers`). */
export function formatTop(
  stats: readonly ContainerStatsView[],
  options: { containers?: boolean; namespaces?: boolean },
): string[] {
  const ns = options.namespaces ? ['NAMESPACE'] : [];
  if (options.containers) {
    const rows = stats.map((s) => [
      ...(options.namespaces ? [s.namespace] : []),
      s.pod,
      s.container,
      cpuCell(s.cpuMillicores),
      memoryCell(s.memoryWorkingSetBytes),
    ]);
    return formatColumns([...ns, 'POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'], rows);
  }
  const pods = new Map<string, { namespace: string; pod: string; cpu: number | undefined; mem: number }>();
  for (const s of stats) {
    const key = `${s.namespace}/${s.pod}`;
    const p = pods.get(key) ?? { namespace: s.namespace, pod: s.pod, cpu: 0, mem: 0 };
    p.cpu = p.cpu === undefined || s.cpuMillicores === undefined ? undefined : p.cpu + s.cpuMillicores;
    p.mem += s.memoryWorkingSetBytes;
    pods.set(key, p);
  }
  const rows = [...pods.values()].map((p) => [
    ...(options.namespaces ? [p.namespace] : []),
    p.pod,
    cpuCell(p.cpu),
    memoryCell(p.mem),
  ]);
  return formatColumns([...ns, 'NAME', 'CPU(cores)', 'MEMORY(bytes)'], rows);
}

export function registerTop(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('top')
    .summary("show pods' CPU and memory use (kubectl top pods)")
    .description(
      "CPU (millicores over the daemon's last sampling window) and memory (working set) of each " +
        "pod's running containers, from their jobs (cgroups). --containers shows each container.",
    )
    .argument('<type>', 'pods (or pod, po)')
    .argument('[names...]', 'only these pods')
    .option('--containers', 'a row per container');
  namespaceOptions(cmd, true);
  socketOption(cmd);
  cmd.action(
    async (type: string, rest: string[], flags: SocketFlags & NamespaceFlags & { containers?: boolean }) => {
      const names = new Set(podNames([type, ...rest], 'top'));
      const namespace = namespaceOf(flags);
      const client = await daemonClient(flags, ctx);
      const stats = (await client.stats(namespace === undefined ? {} : { namespace }))
        .filter((s) => names.size === 0 || names.has(s.pod))
        .sort(
          (a, b) =>
            a.namespace.localeCompare(b.namespace) ||
            a.pod.localeCompare(b.pod) ||
            a.container.localeCompare(b.container),
        );
      if (stats.length === 0) {
        ctx.stderr.write(
          namespace === undefined
            ? 'No resources found\n'
            : `No resources found in ${namespace} namespace.\n`,
        );
        return;
      }
      const opts: { containers?: boolean; namespaces?: boolean } = {};
      if (flags.containers) opts.containers = true;
      if (flags.allNamespaces) opts.namespaces = true;
      for (const l of formatTop(stats, opts)) out(ctx, l);
    },
  );
}
