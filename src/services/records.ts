/**
 * Container records on disk (`<root>/containers/<id>/container.json`): what a later hostpod
 * process needs to exec into a running container or to clean up after a crashed one. Written
 * atomically; each record names its owner process (pid + start time, so a reused pid is not
 * mistaken for it).
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerType } from '../api/visit-containers.ts';
import { errnoCode } from '../errors.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { isAlive, readProcStat } from '../lib/process-identity.ts';
import type { MountMapping } from '../runtime/spec/translate-path.ts';
import type { Layout } from '../runtime/spec/types.ts';

/** The process that manages a container. */
export interface Owner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, identifies the process across pid reuse. */
  startTime: string;
  /**
   * Set for the daemon's containers: they outlive the daemon process by design, so crash
   * cleanup by another hostpod process leaves them alone; the daemon reconciles them itself.
   */
  daemon?: true;
}

export type ContainerStatus = 'creating' | 'running' | 'exited';

export interface ContainerRecord {
  version: 1;
  id: string;
  pod: { name: string; namespace: string };
  name: string;
  type: ContainerType;
  image: string;
  owner: Owner;
  status: ContainerStatus;
  createdAt: string;
  layout: Layout;
  /** `CONTAINER_SANDBOX_MOUNT_POINT`. */
  mountPoint?: string;
  /** Container path → host path, for resolving exec commands as the container sees paths. */
  mappings?: MountMapping[];
  /** The process environment (`NAME=value`) and working dir, for exec. */
  env?: string[];
  cwd?: string;
  ephemeralUser?: boolean;
  startedAt?: string;
  exit?: { exitCode: number; reason: string; message?: string; finishedAt: string };
}

/** `<root>/containers`. */
export function containersDir(root: string): string {
  return join(root, 'containers');
}

/** `<root>/containers/<id>`. */
export function containerDir(root: string, id: string): string {
  return join(containersDir(root), id);
}

/** The task (shim) directory of a container. */
export function taskDir(root: string, id: string): string {
  return join(containerDir(root, id), 'task');
}

/** The CRI-format log of a container. */
export function logPath(root: string, id: string): string {
  return join(containerDir(root, id), 'container.log');
}

/**
 * A new container id: 32 lowercase hex digits after a letter, so that `id[:20]` (the
 * ephemeral user's name, as hcsshim names it) is a valid Linux user name.
 */
export function newContainerId(): string {
  return `c${randomBytes(16).toString('hex')}`;
}

/** Writes a record atomically. */
export async function writeRecord(root: string, rec: ContainerRecord): Promise<void> {
  await writeFileAtomic(
    join(containerDir(root, rec.id), 'container.json'),
    `${JSON.stringify(rec, null, 2)}\n`,
    {
      mode: 0o600,
      sync: false,
    },
  );
}

/** Reads every record; unreadable ones are skipped and returned as `broken` ids. */
export async function listRecords(root: string): Promise<{ records: ContainerRecord[]; broken: string[] }> {
  let ids: string[];
  try {
    ids = await readdir(containersDir(root));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { records: [], broken: [] };
    throw e;
  }
  const records: ContainerRecord[] = [];
  const broken: string[] = [];
  for (const id of ids.sort()) {
    if (!/^c[0-9a-f]{32}$/.test(id)) continue;
    try {
      const v = JSON.parse(
        await readFile(join(containerDir(root, id), 'container.json'), 'utf8'),
      ) as Partial<ContainerRecord>;
      if (v.version === 1 && v.id === id && typeof v.owner?.pid === 'number')
        records.push(v as ContainerRecord);
      else broken.push(id);
    } catch {
      broken.push(id);
    }
  }
  return { records, broken };
}

/** The start time of process `pid` (field 22 of its stat), or undefined when it does not exist. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  return (await readProcStat(pid))?.startTime;
}

/** This process as an owner. */
export async function selfOwner(pid: number): Promise<Owner> {
  return { pid, startTime: (await processStartTime(pid)) ?? '' };
}

/** True while the owner process still runs (a zombie or a reused pid is not it). */
export function ownerAlive(owner: Owner): Promise<boolean> {
  return isAlive({ pid: owner.pid, startTime: owner.startTime });
}
