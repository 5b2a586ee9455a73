/**
 * Container probes and lifecycle handlers as the kubelet runs them: exec (in the container's
 * job, through the shim), HTTP GET and TCP socket against the host's network (a HostProcess pod's
 * IP is the node's), the threshold rules (`successThreshold` / `failureThreshold`), and a
 * `Prober` that runs a container's startup, liveness and readiness probes until stopped.
 */
import { appendFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import type { ContainerPort, Handler, IntOrString, Probe } from '../api/types.ts';
import { describeError } from '../errors.ts';
import { spawnExec } from '../runtime/task/exec-task.ts';
import type { TaskHandle } from '../runtime/task/start-task.ts';
import type { ExecInfo } from '../state/containers.ts';
import { execArgv } from './exec.ts';

/** What a handler acts on: the running container and the host address its ports are on. */
export interface HandlerTarget {
  task: Pick<TaskHandle, 'dir' | 'initPid'>;
  exec: ExecInfo;
  /** The container's name (for messages). */
  container: string;
  ports: readonly ContainerPort[];
  /** The pod IP: the node's IP for a HostProcess pod. */
  podIp: string;
}

export interface HandlerOutcome {
  ok: boolean;
  /** What the kubelet would report: the exec's output, `HTTP probe failed with statuscode: 500`, … */
  message: string;
  /** An exec's output (stdout then stderr), for lifecycle hooks whose output goes to the log. */
  output?: { stdout: Buffer; stderr: Buffer };
}

const MAX_OUTPUT = 10 * 1024;
/** The time an exec'd handler gets after SIGTERM (at its timeout) before its shim is killed. */
const EXEC_KILL_AFTER_MS = 1000;

/** A port by number or by the name of one of the container's ports; undefined when unknown. */
export function resolvePort(port: IntOrString, ports: readonly ContainerPort[]): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return ports.find((p) => p.name === port)?.containerPort;
}

/**
 * Runs one handler with a time limit: exit 0 / HTTP 200–399 / a TCP connect is success. Never
 * throws: a handler that cannot run is a failure with the reason as its message.
 */
export async function runHandler(
  handler: Handler,
  target: HandlerTarget,
  timeoutMs: number,
): Promise<HandlerOutcome> {
  try {
    if (handler.exec) return await runExec(handler.exec.command ?? [], target, timeoutMs);
    if (handler.httpGet) {
      const h = handler.httpGet;
      const port = resolvePort(h.port, target.ports);
      if (port === undefined)
        return { ok: false, message: `port "${h.port}" is not a port of the container` };
      return await httpGet(
        {
          scheme: h.scheme,
          host: h.host || target.podIp,
          port,
          path: h.path ?? '/',
          headers: h.httpHeaders ?? [],
        },
        timeoutMs,
      );
    }
    if (handler.tcpSocket) {
      const port = resolvePort(handler.tcpSocket.port, target.ports);
      if (port === undefined)
        return { ok: false, message: `port "${handler.tcpSocket.port}" is not a port of the container` };
      return await tcpConnect(handler.tcpSocket.host || target.podIp, port, timeoutMs);
    }
    if (handler.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(handler.sleep!.seconds * 1000, timeoutMs)));
      return { ok: true, message: '' };
    }
    return { ok: false, message: 'gRPC handlers are not supported by hostpod' };
  } catch (e) {
    return { ok: false, message: describeError(e) };
  }
}

async function runExec(command: readonly string[], target: HandlerTarget, timeoutMs: number) {
  const argv = await execArgv(target.exec, target.container, command);
  const { child, result } = await spawnExec(target.task, { argv, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const keep = (list: Buffer[]) => (b: Buffer) => {
    if (size < MAX_OUTPUT) list.push(b.subarray(0, MAX_OUTPUT - size));
    size += b.length;
  };
  (child.stdout as Readable).on('data', keep(out));
  (child.stderr as Readable).on('data', keep(err));
  let timer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      // The shim forwards SIGTERM to the command; SIGKILL of the shim if that is not enough.
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), EXEC_KILL_AFTER_MS);
      killTimer.unref();
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const r = await Promise.race([result, timedOut]);
    const output = { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
    if (r === 'timeout') {
      return {
        ok: false,
        message: `command ${JSON.stringify(command.join(' '))} timed out`,
        output,
      };
    }
    const text = Buffer.concat([output.stdout, output.stderr]).toString('utf8').trim();
    if (r.exitCode === 0) return { ok: true, message: text, output };
    return {
      ok: false,
      message: text || `command ${JSON.stringify(command.join(' '))} exited with ${r.exitCode}`,
      output,
    };
  } finally {
    clearTimeout(timer);
    // The command ended in time: nothing to kill.
    if (child.exitCode !== null || child.signalCode !== null) clearTimeout(killTimer);
  }
}

/**
 * An HTTP GET as the kubelet's prober does it (no redirects followed: 3xx is success). Never
 * rejects: a path or header node refuses to send (CR/LF) is a failure.
 */
export function httpGet(
  target: {
    scheme: string;
    host: string;
    port: number;
    path: string;
    headers: readonly { name: string; value: string }[];
  },
  timeoutMs: number,
): Promise<HandlerOutcome> {
  const https = target.scheme.toUpperCase() === 'HTTPS';
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const path = target.path.startsWith('/') ? target.path : `/${target.path}`;
  const url = `${https ? 'https' : 'http'}://${host}:${target.port}${path}`;
  // As Go's net/url: a control character is refused, not silently dropped by URL parsing.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  if (/[\x00-\x1f\x7f]/.test(target.host + path)) {
    return Promise.resolve({
      ok: false,
      message: `Get ${JSON.stringify(url)}: invalid control character in URL`,
    });
  }
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/hostpod', Accept: '*/*' };
  for (const h of target.headers) headers[h.name] = h.value;
  return new Promise<HandlerOutcome>((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { method: 'GET', headers, timeout: timeoutMs, ...(https ? { rejectUnauthorized: false } : {}) },
      (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        res.on('error', () => {});
        req.destroy();
        if (code >= 200 && code < 400)
          resolve({ ok: true, message: `HTTP probe succeeded with statuscode: ${code}` });
        else resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)));
    req.on('error', (e) => resolve({ ok: false, message: `Get "${url}": ${describeError(e)}` }));
    req.end();
  }).catch((e: unknown) => ({ ok: false, message: `Get "${url}": ${describeError(e)}` }));
}

/** A TCP connect within the timeout. */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<HandlerOutcome> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    s.on('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ok: true, message: '' });
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${describeError(e)}` });
    });
  });
}

/** Appends text to a CRI-format log as whole `F` records (a hook's output beside the container's). */
export async function appendCriLog(path: string, stream: 'stdout' | 'stderr', text: Buffer): Promise<void> {
  if (text.length === 0) return;
  const time = new Date().toISOString();
  const body = text.at(-1) === 0x0a ? text.subarray(0, -1) : text;
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = body.indexOf(0x0a, start);
    const line = body.subarray(start, nl < 0 ? body.length : nl);
    parts.push(Buffer.from(`${time} ${stream} F `), line, Buffer.from('\n'));
    if (nl < 0) break;
    start = nl + 1;
  }
  await appendFile(path, Buffer.concat(parts));
}

// ---- thresholds ----

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
export type ProbeResult = 'unknown' | 'success' | 'failure';

/** A probe worker's memory (kubelet's worker: last result and how many times in a row). */
export interface ThresholdState {
  result: ProbeResult;
  last: ProbeResult;
  run: number;
}

/** Before the first probe: readiness is failure (not ready), liveness success, startup unknown. */
export function initialThresholdState(kind: ProbeKind): ThresholdState {
  return {
    result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown',
    last: 'unknown',
    run: 0,
  };
}

/**
 * One probe's outcome applied: the reported result changes only after `successThreshold`
 * successes or `failureThreshold` failures in a row.
 */
export function applyProbeOutcome(
  state: ThresholdState,
  ok: boolean,
  probe: Pick<Probe, 'successThreshold' | 'failureThreshold'>,
): ThresholdState {
  const outcome: ProbeResult = ok ? 'success' : 'failure';
  const run = state.last === outcome ? state.run + 1 : 1;
  const needed = ok ? probe.successThreshold : probe.failureThreshold;
  return { result: run >= needed ? outcome : state.result, last: outcome, run };
}

// ---- the prober ----

export interface ProberOptions {
  target: HandlerTarget;
  probes: { startup?: Probe; liveness?: Probe; readiness?: Probe };
  /** How long one second of the probe's fields lasts (1000; tests scale it down). */
  secondMs: number;
  /**
   * A probe's reported result changed (startup/readiness: both ways; liveness: to failure).
   * A startup or liveness failure ends that probe: the caller stops the container.
   */
  onChange: (kind: ProbeKind, result: 'success' | 'failure', message: string) => void;
}

/**
 * Probes one running container until `stop()`. Liveness and readiness wait for the startup
 * probe's success (when there is one); their `initialDelaySeconds` count from `start`.
 */
export class Prober {
  readonly #o: ProberOptions;
  readonly #abort = new AbortController();
  #started: boolean;
  #loops: Promise<void>[] = [];

  constructor(options: ProberOptions) {
    this.#o = options;
    this.#started = options.probes.startup === undefined;
  }

  start(): this {
    const { startup, liveness, readiness } = this.#o.probes;
    if (startup) this.#loops.push(this.#loop('startup', startup));
    if (liveness) this.#loops.push(this.#loop('liveness', liveness));
    if (readiness) this.#loops.push(this.#loop('readiness', readiness));
    return this;
  }

  /** Stops every probe; resolves when none is running any more. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
  }

  #sleep(seconds: number): Promise<boolean> {
    return this.#sleepMs(seconds * this.#o.secondMs);
  }

  async #sleepMs(ms: number): Promise<boolean> {
    const signal = this.#abort.signal;
    if (signal.aborted) return false;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
    return !signal.aborted;
  }

  async #loop(kind: ProbeKind, probe: Probe): Promise<void> {
    let state = initialThresholdState(kind);
    if (!(await this.#sleep(probe.initialDelaySeconds))) return;
    for (;;) {
      // Periods count from the start of one probe to the next (the kubelet's ticker).
      const t0 = Date.now();
      if (kind === 'startup' || this.#started) {
        const out = await runHandler(probe, this.#o.target, probe.timeoutSeconds * this.#o.secondMs);
        if (this.#abort.signal.aborted) return;
        const next = applyProbeOutcome(state, out.ok, probe);
        const changed = next.result !== state.result;
        state = next;
        if (changed && (next.result === 'success' || next.result === 'failure')) {
          if (kind === 'startup' && next.result === 'success') this.#started = true;
          this.#o.onChange(kind, next.result, out.message);
          // A started container is not probed for startup again; a failed startup or liveness
          // probe ends the container.
          if (kind !== 'readiness') {
            if (kind === 'startup' || next.result === 'failure') return;
          }
        }
      }
      const left = probe.periodSeconds * this.#o.secondMs - (Date.now() - t0);
      if (!(await this.#sleepMs(Math.max(left, 0)))) return;
    }
  }
}
