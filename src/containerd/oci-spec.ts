import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';

/** The parts of an OCI runtime spec (`config.json`) hostpod uses, checked. */
export interface OciSpec {
  process: OciProcess;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    cgroupsPath: string;
    resources: LinuxResources | undefined;
    namespaces: { type: string; path: string | undefined }[];
  };
}

export interface OciProcess {
  args: string[];
  env: string[];
  cwd: string;
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids: number[] };
  oomScoreAdj: number | undefined;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** `linux.resources` (and `UpdateTaskRequest.resources`): the fields hostpod applies. */
export interface LinuxResources {
  memory?: { limit?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit?: number };
}

type Obj = Record<string, unknown>;

function bad(where: string, what: string): RuntimeError {
  return new RuntimeError('InvalidArgument', `Invalid OCI spec: ${where} ${what}`, {
    hint: 'the runtime spec is written by containerd; check the container definition that produced it',
  });
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, key: string, where: string, dflt?: string): string {
  const v = o[key];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string') throw bad(`${where}.${key}`, 'must be a string');
  return v;
}

function strings(o: Obj, key: string, where: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw bad(`${where}.${key}`, 'must be a list of strings');
  return v as string[];
}

function int(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(where, `must be an integer in ${min}..${max}`);
  return v;
}

/** Checks a parsed `config.json` (or an exec's Process). Throws InvalidArgument naming the field. */
export function parseProcess(v: unknown, where = 'process'): OciProcess {
  if (!isObj(v)) throw bad(where, 'is missing');
  const args = strings(v, 'args', where);
  if (args.length === 0) throw bad(`${where}.args`, 'is empty: there is no command to run');
  const user = isObj(v.user) ? v.user : {};
  const gids = user.additionalGids ?? [];
  if (!Array.isArray(gids)) throw bad(`${where}.user.additionalGids`, 'must be a list');
  return {
    args,
    env: strings(v, 'env', where),
    cwd: str(v, 'cwd', where, '/'),
    terminal: v.terminal === true,
    user: {
      uid: int(user.uid ?? 0, `${where}.user.uid`, 0, 0xfffffffe),
      gid: int(user.gid ?? 0, `${where}.user.gid`, 0, 0xfffffffe),
      additionalGids: gids.map((g, i) => int(g, `${where}.user.additionalGids[${i}]`, 0, 0xfffffffe)),
    },
    oomScoreAdj:
      v.oomScoreAdj === undefined ? undefined : int(v.oomScoreAdj, `${where}.oomScoreAdj`, -1000, 1000),
  };
}

/** Checks `linux.resources`-shaped JSON. Throws InvalidArgument naming the field. */
export function parseResources(v: unknown, where = 'linux.resources'): LinuxResources | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw bad(where, 'must be an object');
  const num = (o: unknown, key: string, w: string): number | undefined => {
    if (!isObj(o) || o[key] === undefined || o[key] === null) return undefined;
    const n = o[key];
    if (typeof n !== 'number' || !Number.isFinite(n)) throw bad(`${w}.${key}`, 'must be a number');
    return n;
  };
  const out: LinuxResources = {};
  const limit = num(v.memory, 'limit', `${where}.memory`);
  if (limit !== undefined) out.memory = { limit };
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  for (const k of ['shares', 'quota', 'period'] as const) {
    const n = num(v.cpu, k, `${where}.cpu`);
    if (n !== undefined) cpu[k] = n;
  }
  if (Object.keys(cpu).length) out.cpu = cpu;
  const pids = num(v.pids, 'limit', `${where}.pids`);
  if (pids !== undefined) out.pids = { limit: pids };
  return out;
}

/** Checks a parsed `config.json`. Throws InvalidArgument naming the first bad field. */
export function parseSpec(v: unknown): OciSpec {
  if (!isObj(v)) throw bad('config.json', 'is not a JSON object');
  const mounts = (Array.isArray(v.mounts) ? v.mounts : []).map((m, i): OciMount => {
    const w = `mounts[${i}]`;
    if (!isObj(m)) throw bad(w, 'must be an object');
    return {
      destination: str(m, 'destination', w),
      type: str(m, 'type', w, ''),
      source: str(m, 'source', w, ''),
      options: strings(m, 'options', w),
    };
  });
  const annotations: Record<string, string> = {};
  if (isObj(v.annotations))
    for (const [k, a] of Object.entries(v.annotations)) if (typeof a === 'string') annotations[k] = a;
  const linux = isObj(v.linux) ? v.linux : {};
  const namespaces = (Array.isArray(linux.namespaces) ? linux.namespaces : []).map((n, i) => {
    if (!isObj(n)) throw bad(`linux.namespaces[${i}]`, 'must be an object');
    const path = n.path === undefined || n.path === '' ? undefined : str(n, 'path', `linux.namespaces[${i}]`);
    return { type: str(n, 'type', `linux.namespaces[${i}]`), path };
  });
  return {
    process: parseProcess(v.process),
    mounts,
    annotations,
    linux: {
      cgroupsPath: linux.cgroupsPath === undefined ? '' : str(linux, 'cgroupsPath', 'linux'),
      resources: parseResources(linux.resources),
      namespaces,
    },
  };
}

/**
 * Reads and checks `<bundle>/config.json`. Throws NotFound when the bundle has none,
 * InvalidArgument when it is not a spec hostpod can run.
 */
export async function readBundleSpec(bundle: string): Promise<OciSpec> {
  const path = join(bundle, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT')
      throw new RuntimeError('NotFound', `Cannot create the task: the bundle ${bundle} has no config.json`, {
        hint: 'containerd writes config.json into the bundle before Create; the bundle may have been removed',
      });
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError(
      'InvalidArgument',
      `Invalid OCI spec: ${path} is not JSON: ${(err as Error).message}`,
    );
  }
  return parseSpec(json);
}
