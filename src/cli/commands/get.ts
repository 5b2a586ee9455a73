import type { Command } from 'commander';
import { Option } from 'commander';
import { type LabelSelector, matchesLabels, parseLabelSelector } from '../../api/label-selector.ts';
import type { PodView, WorkloadView } from '../../api/protocol.ts';
import { qualifiedName, type ResourceInfo } from '../../api/resources.ts';
import { RuntimeError } from '../../errors.ts';
import { type CliContext, out } from '../io.ts';
import {
  daemonClient,
  interruptSignal,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { type OutputFormat, parseOutput, renderObjects } from './object-output.ts';
import { type NodeInfoView, type PodTableOptions, podHeader, podRow, toKubePod } from './pod-print.ts';
import { labelsCell, labelsOf, resourceArgs, selected } from './resource-args.ts';
import { formatColumns } from './table.ts';
import { toKubeWorkload, workloadHeader, workloadRow } from './workload-print.ts';

interface GetFlags extends SocketFlags, NamespaceFlags {
  output?: string;
  watch?: boolean;
  selector?: string;
  showLabels?: boolean;
}

/** One resource type's objects, as fetched. */
type Section =
  | { resource: ResourceInfo; pods: PodView[]; workloads?: undefined }
  | { resource: ResourceInfo; workloads: WorkloadView[]; pods?: undefined };

const byName = <T extends { namespace: string; name: string }>(a: T, b: T) =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/** A section as kubectl's table: names prefixed with `TYPE.GROUP/` when several types are shown. */
function sectionTable(
  s: Section,
  o: PodTableOptions & { labels?: boolean; prefix?: boolean },
  now: Date,
): string[] {
  const ns = o.namespaces ? 1 : 0;
  const name = (n: string) => (o.prefix ? qualifiedName(s.resource.kind, n) : n);
  const withLabels = (h: string[]) => (o.labels ? [...h, 'LABELS'] : h);
  if (s.pods) {
    return formatColumns(
      withLabels(podHeader(o)),
      s.pods.map((p) => {
        const row = podRow(p, o, now);
        row[ns] = name(p.name);
        return o.labels ? [...row, labelsCell(p.manifest)] : row;
      }),
      o.noHeader,
    );
  }
  const header = [
    ...(o.namespaces ? ['NAMESPACE'] : []),
    ...workloadHeader(s.resource.kind, o.wide !== undefined),
  ];
  return formatColumns(
    withLabels(header),
    s.workloads.map((w) => {
      const row = [
        ...(o.namespaces ? [w.namespace] : []),
        ...workloadRow(w, now, o.wide !== undefined, name(w.name)),
      ];
      return o.labels ? [...row, labelsCell(w.manifest)] : row;
    }),
  );
}

function kubeObjects(sections: readonly Section[], node: NodeInfoView) {
  const objects: Record<string, unknown>[] = [];
  const names: string[] = [];
  for (const s of sections) {
    for (const p of s.pods ?? []) {
      objects.push(toKubePod(p, node));
      names.push(qualifiedName('Pod', p.name));
    }
    for (const w of s.workloads ?? []) {
      objects.push(toKubeWorkload(w));
      names.push(qualifiedName(w.kind, w.name));
    }
  }
  return { objects, names };
}

export function registerGet(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('get')
    .summary('list pods and workloads (kubectl get)')
    .description(
      'List pods (po), daemonsets (ds), deployments (deploy), replicasets (rs), statefulsets (sts), ' +
        'jobs and cronjobs (cj) of a namespace (-n, default "default") or of all (-A), several types at ' +
        'once (pods,ds) or all of them (all), or the objects named (ds agent, ds/agent pod/web), with ' +
        "kubectl's columns. -l filters by labels (a=b, a!=b, a in (x,y), a notin (x), a, !a); " +
        '--show-labels adds LABELS. -o wide adds columns; -o json|yaml prints the objects (a List unless ' +
        'one was named), -o name TYPE/NAME lines, -o jsonpath=TEMPLATE and -o custom-columns=HEADER:EXPR,… ' +
        'as kubectl does. -w (pods) prints a row for every change until Ctrl-C.',
    )
    .argument('<type>', 'pods, ds, deploy, rs, sts, job, cj, all, TYPE,TYPE, or TYPE/NAME')
    .argument('[names...]', 'names (or more TYPE/NAME)')
    .addOption(
      new Option('-o, --output <format>', 'wide, json, yaml, name, jsonpath=TEMPLATE, custom-columns=SPEC'),
    )
    .option('-l, --selector <selector>', 'only objects whose labels match (a=b,c!=d,e in (x,y),!f)')
    .option('--show-labels', 'add a LABELS column')
    .option('-w, --watch', 'after listing pods, print each change until Ctrl-C');
  namespaceOptions(cmd, true);
  socketOption(cmd);
  cmd.action(async (type: string, rest: string[], flags: GetFlags) => {
    const req = resourceArgs([type, ...rest], 'get');
    const format = parseOutput(flags.output);
    const selector = flags.selector === undefined ? undefined : parseLabelSelector(flags.selector);
    if (req.named.length > 0 && flags.allNamespaces)
      throw new RuntimeError('InvalidArgument', 'an object cannot be named across all namespaces (-A)', {
        hint: 'give its namespace with -n',
      });
    const namespace = namespaceOf(flags);
    const client = await daemonClient(flags, ctx);
    const node = (await client.version()).node;
    const table: PodTableOptions & { labels?: boolean; prefix?: boolean } = {};
    if (flags.allNamespaces) table.namespaces = true;
    if (format.kind === 'wide') table.wide = { node: node.name };
    if (flags.showLabels) table.labels = true;
    if (flags.watch) {
      if (req.resources.length !== 1 || req.resources[0]?.kind !== 'Pod')
        throw new RuntimeError('InvalidArgument', 'hostpod get -w watches pods only', {
          hint: 'hostpod get pods -w',
        });
      await watch(
        ctx,
        client,
        namespace,
        req.named.map((n) => n.name),
        selector,
        format,
        table,
        node,
      );
      return;
    }
    const ns = namespace ?? 'default';
    const sections: Section[] = [];
    for (const r of req.resources) {
      const names = req.named.filter((n) => n.resource === r).map((n) => n.name);
      if (r.kind === 'Pod') {
        const pods =
          names.length > 0
            ? await Promise.all(names.map((n) => client.getPod(ns, n)))
            : (await client.listPods(namespace === undefined ? {} : { namespace })).sort(byName);
        sections.push({ resource: r, pods: selected(pods, selector) });
      } else {
        const ws =
          names.length > 0
            ? await Promise.all(names.map((n) => client.getWorkload(r.kind, ns, n)))
            : (
                await client.listWorkloads({
                  kind: r.kind,
                  ...(namespace === undefined ? {} : { namespace }),
                })
              ).sort(byName);
        sections.push({ resource: r, workloads: selected(ws, selector) });
      }
    }
    const nonEmpty = sections.filter((s) => (s.pods ?? s.workloads).length > 0);
    if (format.kind === 'table' || format.kind === 'wide') {
      if (nonEmpty.length === 0) {
        ctx.stderr.write(
          namespace === undefined
            ? 'No resources found\n'
            : `No resources found in ${namespace} namespace.\n`,
        );
        return;
      }
      table.prefix = req.resources.length > 1;
      const now = new Date();
      for (const [i, s] of nonEmpty.entries()) {
        if (i > 0) out(ctx, '');
        for (const l of sectionTable(s, table, now)) out(ctx, l);
      }
      return;
    }
    const { objects, names } = kubeObjects(sections, node);
    const lines = await renderObjects(objects, names, format, req.named.length === 1);
    write(ctx, format, lines);
  });
}

/** jsonpath output is printed exactly as the template makes it (kubectl adds no newline). */
function write(ctx: CliContext, format: OutputFormat, lines: string[]): void {
  if (format.kind === 'jsonpath') ctx.stdout.write(lines.join(''));
  else for (const l of lines) out(ctx, l);
}

async function watch(
  ctx: CliContext,
  client: Awaited<ReturnType<typeof daemonClient>>,
  namespace: string | undefined,
  names: string[],
  selector: LabelSelector | undefined,
  format: OutputFormat,
  table: PodTableOptions & { labels?: boolean },
  node: NodeInfoView,
): Promise<void> {
  // The daemon sends every current pod as ADDED first, then each change.
  const { signal, dispose } = interruptSignal(ctx);
  try {
    const wanted = new Set(names);
    let first = true;
    for await (const e of client.watchPods(namespace === undefined ? {} : { namespace }, signal)) {
      if (wanted.size > 0 && !wanted.has(e.object.name)) continue;
      if (selector && !matchesLabels(selector, labelsOf(e.object.manifest))) continue;
      if (format.kind === 'table' || format.kind === 'wide') {
        const s: Section = {
          resource: { kind: 'Pod', plural: 'pods', apiVersion: 'v1', names: [] },
          pods: [e.object],
        };
        for (const l of sectionTable(s, { ...table, noHeader: !first }, new Date())) out(ctx, l);
        first = false;
        continue;
      }
      const lines = await renderObjects([toKubePod(e.object, node)], [`pod/${e.object.name}`], format, true);
      write(ctx, format, lines);
    }
  } finally {
    dispose();
  }
}
