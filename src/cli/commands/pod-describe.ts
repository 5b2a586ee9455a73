/**
 * `hostpod describe pod` in kubectl's layout: the pod's header fields, each container's state,
 * last state, readiness and restarts, the conditions table, volumes, and the events table.
 * Alignment as kubectl's tabwriter does it (padding 2): consecutive lines with cells align.
 */
import { DEFAULT_PROBE } from '../../api/defaults.ts';
import type { ContainerState, ContainerStatus } from '../../api/pod-status-types.ts';
import type { EventView, PodView } from '../../api/protocol.ts';
import { age, podColumns } from './pod-print.ts';
import { rfc1123 } from './table.ts';

type Line = string | string[];

/** Lays out lines: runs of consecutive cell lines get columns padded to their widest cell + 2. */
export function tabwrite(lines: readonly Line[]): string[] {
  const outLines: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (typeof l === 'string') {
      outLines.push(l);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && typeof lines[j] !== 'string') j++;
    const run = lines.slice(i, j) as string[][];
    const widths: number[] = [];
    for (const cells of run)
      for (const [k, c] of cells.slice(0, -1).entries()) widths[k] = Math.max(widths[k] ?? 0, c.length + 2);
    for (const cells of run)
      outLines.push(
        cells
          .map((c, k) => (k === cells.length - 1 ? c : c.padEnd(widths[k]!)))
          .join('')
          .trimEnd(),
      );
    i = j;
  }
  return outLines;
}

const rec = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(rec) : []);

function mapLines(key: string, m: Record<string, unknown>): Line[] {
  const entries = Object.entries(m);
  if (entries.length === 0) return [[`${key}:`, '<none>']];
  return entries.map(([k, v], i) => [i === 0 ? `${key}:` : '', `${k}=${String(v)}`]);
}

function stateLines(name: string, s: ContainerState | Record<string, never>): Line[] {
  if ('running' in s)
    return [
      [`    ${name}:`, 'Running'],
      ['      Started:', rfc1123(s.running.startedAt)],
    ];
  if ('waiting' in s) {
    const out: Line[] = [
      [`    ${name}:`, 'Waiting'],
      ['      Reason:', s.waiting.reason],
    ];
    if (s.waiting.message) out.push(['      Message:', s.waiting.message]);
    return out;
  }
  if ('terminated' in s) {
    const t = s.terminated;
    const out: Line[] = [
      [`    ${name}:`, 'Terminated'],
      ['      Reason:', t.reason],
    ];
    if (t.message) out.push(['      Message:', t.message]);
    out.push(['      Exit Code:', String(t.exitCode)]);
    if (t.signal) out.push(['      Signal:', t.signal]);
    out.push(['      Started:', rfc1123(t.startedAt)], ['      Finished:', rfc1123(t.finishedAt)]);
    return out;
  }
  return [[`    ${name}:`, 'Waiting']];
}

/**
 * A probe on one line as kubectl describe prints it:
 * `exec [cat /tmp/ok] delay=0s timeout=1s period=10s #success=1 #failure=3` (the API's defaults filled in).
 */
export function probeText(p: Record<string, unknown>): string {
  const n = (k: keyof typeof DEFAULT_PROBE) => (typeof p[k] === 'number' ? p[k] : DEFAULT_PROBE[k]);
  const attrs = `delay=${n('initialDelaySeconds')}s timeout=${n('timeoutSeconds')}s period=${n('periodSeconds')}s #success=${n('successThreshold')} #failure=${n('failureThreshold')}`;
  const exec = rec(p.exec);
  if (p.exec !== undefined)
    return `exec [${(Array.isArray(exec.command) ? exec.command.map(String) : []).join(' ')}] ${attrs}`;
  if (p.httpGet !== undefined) {
    const h = rec(p.httpGet);
    const scheme = String(h.scheme ?? 'HTTP').toLowerCase();
    const host = String(h.host ?? '');
    const port = h.port === undefined ? '' : String(h.port);
    const hostPort = port === '' ? host : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const path = String(h.path ?? '');
    return `http-get ${scheme}://${hostPort}${path.startsWith('/') || path === '' ? path : `/${path}`} ${attrs}`;
  }
  if (p.tcpSocket !== undefined) {
    const t = rec(p.tcpSocket);
    return `tcp-socket ${String(t.host ?? '')}:${String(t.port ?? '')} ${attrs}`;
  }
  if (p.grpc !== undefined) {
    const g = rec(p.grpc);
    return `grpc <pod>:${String(g.port ?? '')} ${String(g.service ?? '')} ${attrs}`;
  }
  return `unknown ${attrs}`;
}

function containerLines(spec: Record<string, unknown>, status: ContainerStatus | undefined): Line[] {
  const out: Line[] = [`  ${String(spec.name)}:`];
  out.push(['    Container ID:', status?.containerID ?? '']);
  out.push(['    Image:', String(spec.image ?? status?.image ?? '')]);
  const command = Array.isArray(spec.command) ? spec.command.map(String) : [];
  const args = Array.isArray(spec.args) ? spec.args.map(String) : [];
  if (command.length) out.push('    Command:', ...command.map((c) => `      ${c}`));
  if (args.length) out.push('    Args:', ...args.map((c) => `      ${c}`));
  if (status) {
    out.push(...stateLines('State', status.state));
    if ('terminated' in status.lastState) out.push(...stateLines('Last State', status.lastState));
    out.push(
      ['    Ready:', status.ready ? 'True' : 'False'],
      ['    Restart Count:', String(status.restartCount)],
    );
  } else {
    out.push(['    State:', 'Waiting'], ['    Ready:', 'False'], ['    Restart Count:', '0']);
  }
  const limits = rec(rec(spec.resources).limits);
  const requests = rec(rec(spec.resources).requests);
  if (Object.keys(limits).length)
    out.push('    Limits:', ...Object.entries(limits).map(([k, v]) => [`      ${k}:`, String(v)]));
  if (Object.keys(requests).length)
    out.push('    Requests:', ...Object.entries(requests).map(([k, v]) => [`      ${k}:`, String(v)]));
  for (const [key, label] of [
    ['livenessProbe', 'Liveness'],
    ['readinessProbe', 'Readiness'],
    ['startupProbe', 'Startup'],
  ] as const)
    if (spec[key] !== undefined) out.push([`    ${label}:`, probeText(rec(spec[key]))]);
  const env = list(spec.env);
  if (env.length === 0) out.push(['    Environment:', '<none>']);
  else {
    out.push('    Environment:');
    for (const e of env)
      out.push([
        `      ${String(e.name)}:`,
        e.value !== undefined ? String(e.value) : '<set from a reference>',
      ]);
  }
  const mounts = list(spec.volumeMounts);
  if (mounts.length === 0) out.push(['    Mounts:', '<none>']);
  else {
    out.push('    Mounts:');
    for (const m of mounts)
      out.push(
        `      ${String(m.mountPath)} from ${String(m.name)} (${m.readOnly ? 'ro' : 'rw'}${m.subPath ? `,path="${String(m.subPath)}"` : ''})`,
      );
  }
  return out;
}

function volumeLines(v: Record<string, unknown>): Line[] {
  const out: Line[] = [`  ${String(v.name)}:`];
  if (v.hostPath) {
    const h = rec(v.hostPath);
    out.push(
      ['    Type:', 'HostPath (bare host directory volume)'],
      ['    Path:', String(h.path ?? '')],
      ['    HostPathType:', String(h.type ?? '')],
    );
  } else if (v.emptyDir !== undefined) {
    const e = rec(v.emptyDir);
    out.push(
      ['    Type:', "EmptyDir (a temporary directory that shares a pod's lifetime)"],
      ['    Medium:', String(e.medium ?? '')],
      ['    SizeLimit:', e.sizeLimit === undefined ? '<unset>' : String(e.sizeLimit)],
    );
  } else if (v.configMap) {
    const c = rec(v.configMap);
    out.push(
      ['    Type:', 'ConfigMap (a volume populated by a ConfigMap)'],
      ['    Name:', String(c.name ?? '')],
      ['    Optional:', String(c.optional ?? false)],
    );
  } else if (v.secret) {
    const s = rec(v.secret);
    out.push(
      ['    Type:', 'Secret (a volume populated by a Secret)'],
      ['    SecretName:', String(s.secretName ?? '')],
      ['    Optional:', String(s.optional ?? false)],
    );
  } else if (v.projected) {
    out.push(['    Type:', 'Projected (a volume that contains injected data from multiple sources)']);
  } else if (v.downwardAPI) {
    out.push(['    Type:', 'DownwardAPI (a volume populated by information about the pod)']);
  } else {
    const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
    out.push(['    Type:', kind]);
  }
  return out;
}

/** An event's Age column: `10s`, or `3m (x4 over 10m)` when it happened several times. */
export function eventAge(e: EventView, now: Date): string {
  return e.count > 1 ? `${age(e.time, now)} (x${e.count} over ${age(e.firstTime, now)})` : age(e.time, now);
}

/** The lines of `describe pod`. */
export function describePod(p: PodView, events: readonly EventView[], node: string, now: Date): string[] {
  const meta = rec(p.manifest.metadata);
  const spec = rec(p.manifest.spec);
  const lines: Line[] = [
    ['Name:', p.name],
    ['Namespace:', p.namespace],
    ['Service Account:', String(spec.serviceAccountName ?? 'default')],
    ['Node:', node],
    ['Start Time:', rfc1123(p.status?.startTime)],
    ...mapLines('Labels', rec(meta.labels)),
    ...mapLines('Annotations', rec(meta.annotations)),
    ['Status:', p.deletedAt ? 'Terminating' : p.phase],
  ];
  if (p.deletedAt)
    lines.push(['Termination Grace Period:', `${String(spec.terminationGracePeriodSeconds ?? 30)}s`]);
  lines.push(['Source:', p.source.kind === 'static' ? `static pod file ${p.source.path}` : 'apply']);
  if (p.owner) lines.push(['Controlled By:', `${p.owner.kind}/${p.owner.name}`]);
  const reason = podColumns(p, now).status;
  if (reason !== p.phase && !p.deletedAt) lines.push(['Reason:', reason]);
  const inits = list(spec.initContainers);
  if (inits.length) {
    lines.push('Init Containers:');
    for (const c of inits)
      lines.push(
        ...containerLines(
          c,
          p.status?.initContainerStatuses.find((s) => s.name === c.name),
        ),
      );
  }
  lines.push('Containers:');
  for (const c of list(spec.containers))
    lines.push(
      ...containerLines(
        c,
        p.status?.containerStatuses.find((s) => s.name === c.name),
      ),
    );
  const conditions = p.status?.conditions ?? [];
  if (conditions.length) {
    lines.push('Conditions:', ['  Type', 'Status'], ...conditions.map((c) => [`  ${c.type}`, c.status]));
  }
  const volumes = list(spec.volumes);
  if (volumes.length === 0) lines.push(['Volumes:', '<none>']);
  else lines.push('Volumes:', ...volumes.flatMap(volumeLines));
  lines.push(...mapLines('Node-Selectors', rec(spec.nodeSelector)));
  lines.push(...eventLines(events, now));
  return tabwrite(lines);
}

/** The Events table of describe (`Events: <none>` when there are none). */
export function eventLines(events: readonly EventView[], now: Date): Line[] {
  if (events.length === 0) return [['Events:', '<none>']];
  const lines: Line[] = [
    'Events:',
    ['  Type', 'Reason', 'Age', 'From', 'Message'],
    ['  ----', '------', '----', '----', '-------'],
  ];
  for (const e of events) lines.push([`  ${e.type}`, e.reason, eventAge(e, now), 'hostpod', e.message]);
  return lines;
}

export { type Line, mapLines };
