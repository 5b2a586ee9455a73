/**
 * `hostpod describe ds|deploy|… NAME` in kubectl's layout: name, selector, node selector, labels,
 * annotations, the pod counts, the pod template (containers and images), its pods on this node,
 * and the events of those pods.
 */
import type { EventView, WorkloadView } from '../../api/protocol.ts';
import { eventLines, type Line, mapLines, tabwrite } from './pod-describe.ts';
import { podColumns } from './pod-print.ts';
import { countsOf } from './workload-print.ts';

const rec = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export function describeWorkload(w: WorkloadView, events: readonly EventView[], now: Date): string[] {
  const meta = rec(w.manifest.metadata);
  const spec = rec(w.manifest.spec);
  const template = w.kind === 'CronJob' ? rec(rec(rec(spec.jobTemplate).spec).template) : rec(spec.template);
  const podSpec = rec(template.spec);
  const c = countsOf(w);
  const selector = Object.entries(rec(rec(spec.selector).matchLabels))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  const lines: Line[] = [
    ['Name:', w.name],
    ['Namespace:', w.namespace],
    ['Selector:', selector || '<none>'],
  ];
  if (w.kind === 'DaemonSet') {
    const ns = Object.entries(rec(podSpec.nodeSelector)).map(([k, v]) => `${k}=${String(v)}`);
    lines.push(['Node-Selector:', ns.join(',') || '<none>']);
  }
  lines.push(...mapLines('Labels', rec(meta.labels)), ...mapLines('Annotations', rec(meta.annotations)));
  if (w.kind === 'DaemonSet') {
    lines.push(
      ['Desired Number of Nodes Scheduled:', String(c.desired)],
      ['Current Number of Nodes Scheduled:', String(c.current)],
      ['Number of Nodes Scheduled with Up-to-date Pods:', String(c.current)],
      ['Number of Nodes Scheduled with Available Pods:', String(c.ready)],
      ['Number of Nodes Misscheduled:', '0'],
    );
  } else {
    lines.push([
      'Replicas:',
      `${c.desired} desired | ${c.current} updated | ${c.current} total | ${c.ready} available`,
    ]);
  }
  const running = w.pods.filter((p) => p.phase === 'Running').length;
  const waiting = w.pods.filter((p) => p.phase === 'Pending').length;
  lines.push([
    'Pods Status:',
    `${running} Running / ${waiting} Waiting / ${c.succeeded} Succeeded / ${c.failed} Failed`,
  ]);
  lines.push('Pod Template:', ...mapLines('  Labels', rec(rec(template.metadata).labels)));
  const annotations = rec(rec(template.metadata).annotations);
  if (Object.keys(annotations).length > 0) lines.push(...mapLines('  Annotations', annotations));
  lines.push('  Containers:');
  for (const ct of Array.isArray(podSpec.containers) ? podSpec.containers.map(rec) : []) {
    lines.push(`   ${String(ct.name ?? '')}:`, ['    Image:', String(ct.image ?? '')]);
    if (Array.isArray(ct.command)) lines.push(['    Command:', ct.command.map(String).join(' ')]);
  }
  if (w.pods.length === 0) lines.push(['Pods:', '<none>']);
  else {
    lines.push('Pods:');
    for (const p of w.pods) lines.push([`  ${p.name}`, podColumns(p, now).status]);
  }
  lines.push(...eventLines(events, now));
  return tabwrite(lines);
}
