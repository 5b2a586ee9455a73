/**
 * Where a container's files are (`<root>/containers/<id>/`: its CRI log, its task directory), a
 * new container id, and the owner of a container run (this process, with its start time, so a
 * reused pid is not mistaken for it) — what the container records in the state database name.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isAlive, readProcStat } from '../lib/process-identity.ts';
import type { ContainerOwner } from '../state/containers.ts';

/** The process that manages a container (`ContainerOwner` of its record). */
export type Owner = ContainerOwner;

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

/** The start time of process `pid`, or undefined when it does not exist. */
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
