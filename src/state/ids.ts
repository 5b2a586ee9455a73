/**
 * The ids the state database keys on, as branded types made only by their parsers, so a value
 * of the type is always a safe path component (no `/`, no `..`, no upper case, bounded length).
 */
import { randomUUID } from 'node:crypto';
import { RuntimeError } from '../errors.ts';

declare const podUidBrand: unique symbol;
declare const containerIdBrand: unique symbol;

/** A pod's uid: a UUID for applied pods, a hex hash for static ones. */
export type PodUid = string & { readonly [podUidBrand]: true };
/** A container's id (`c` + 32 hex digits as hostpod makes them, or a 64-digit CRI id). */
export type ContainerId = string & { readonly [containerIdBrand]: true };

const POD_UID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CONTAINER_ID = /^[a-z0-9]{1,64}$/;

/** Parses a pod uid. Throws `InvalidArgument` for anything but 1–63 of `[a-z0-9-]`, not dash-edged. */
export function parsePodUid(v: string): PodUid {
  if (!POD_UID.test(v))
    throw new RuntimeError('InvalidArgument', `Invalid pod uid "${v}": expected 1-63 of [a-z0-9-]`, {
      hint: 'a pod uid is a UUID such as 0d3f5b1e-8c1a-4f7e-9a51-3c2b1d0e9f87',
    });
  return v as PodUid;
}

/** Parses a container id. Throws `InvalidArgument` for anything but 1–64 of `[a-z0-9]`. */
export function parseContainerId(v: string): ContainerId {
  if (!CONTAINER_ID.test(v))
    throw new RuntimeError('InvalidArgument', `Invalid container id "${v}": expected 1-64 of [a-z0-9]`, {
      hint: 'use the id `hostpod get pods -o wide` shows',
    });
  return v as ContainerId;
}

/** A fresh random pod uid (a UUID v4). */
export function newPodUid(): PodUid {
  return randomUUID() as PodUid;
}
