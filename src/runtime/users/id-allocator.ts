import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { writeFileAtomic } from '../../lib/atomic-write.ts';
import { withFileLock } from '../../lib/file-lock.ts';
import { HOST_STATE_DIR } from '../host-state.ts';
import { readHostAccounts } from './etc-files.ts';

/** An inclusive range of uids/gids. */
export interface IdRange {
  first: number;
  last: number;
}

/**
 * hostpod's block of ids: 1,900,000,000–1,999,999,999. Clear of the system and normal user
 * ranges of `login.defs` (≤ 60,000 by default), of systemd's dynamic users (61,184–65,519) and
 * container ranges (524,288–1,879,048,191), of Kubernetes' and podman's `/etc/subuid`
 * allocations (which start at 100,000 and grow by 65,536 per user), and below 2^31 (tools that
 * take ids as signed integers). Checked against this host's `login.defs`, `/etc/subuid` and
 * `/etc/subgid` before every allocation.
 */
export const HOSTPOD_ID_BLOCK: IdRange = { first: 1_900_000_000, last: 1_999_999_999 };

/**
 * The fixed ids of the service accounts (uid = gid), documented so that `runAsUser` can name
 * them under Kubernetes: Local Service 1,900,000,019 and Network Service 1,900,000,020 (after
 * their Windows SIDs S-1-5-19 and S-1-5-20). Outside the ephemeral range.
 */
export const SERVICE_ACCOUNT_IDS = { localService: 1_900_000_019, networkService: 1_900_000_020 } as const;

/** Ephemeral users (one per container) and pod groups (one per pod) are numbered from here. */
export const EPHEMERAL_ID_RANGE: IdRange = { first: 1_900_001_000, last: HOSTPOD_ID_BLOCK.last };

export interface IdAllocatorOptions {
  /** Where the counter and its lock live (default `<HOST_STATE_DIR>/ids`: host-wide). */
  stateDir?: string;
  /** Where passwd, group, login.defs, subuid and subgid are read (default `/etc`). */
  etcDir?: string;
  /** The range handed out (default `EPHEMERAL_ID_RANGE`). */
  range?: IdRange;
}

/** `<HOST_STATE_DIR>/ids`. */
export function idStateDir(hostState = HOST_STATE_DIR): string {
  return join(hostState, 'ids');
}

/**
 * Hands out the next id of the ephemeral range, for a uid (an ephemeral user) or a gid (a pod
 * group): one host-wide counter, persisted, advanced under a lock, so every hostpod instance on
 * the host shares it. An id is never handed out twice — not after its user was deleted, not
 * after a restart or a reboot — so no container ever gets a uid that still owns files of an
 * earlier one; and never one that `/etc/passwd` or `/etc/group` already uses (the counter jumps
 * past the highest such id in the range). When the range is used up it refuses rather than wrap.
 * `useradd`/`groupadd` then check once more, under the passwd lock, that the id is free.
 * Throws FailedPrecondition when the range overlaps this host's login.defs user ranges or
 * `/etc/subuid` / `/etc/subgid`, ResourceExhausted when the range is used up.
 */
export async function allocateId(options: IdAllocatorOptions = {}): Promise<number> {
  const range = options.range ?? EPHEMERAL_ID_RANGE;
  const etcDir = options.etcDir ?? '/etc';
  const dir = options.stateDir ?? idStateDir();
  await checkRangeIsFree(range, etcDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return withFileLock(join(dir, '.lock'), async () => {
    const counter = join(dir, 'next');
    let next = range.first;
    try {
      const n = Number((await readFile(counter, 'utf8')).trim());
      if (Number.isSafeInteger(n) && n > next) next = n;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    const accounts = await readHostAccounts(etcDir);
    for (const id of [...accounts.users.map((u) => u.uid), ...accounts.groups.map((g) => g.gid)]) {
      if (id >= range.first && id <= range.last && id >= next) next = id + 1;
    }
    if (next > range.last) {
      throw new RuntimeError(
        'ResourceExhausted',
        `Cannot allocate an id for an ephemeral user or pod group: the range ${range.first}-${range.last} is used up`,
        {
          hint: `hostpod never reuses an id (files may still belong to it); give it a new range, or reset ${counter} once no file on the host belongs to an id of the range`,
        },
      );
    }
    await writeFileAtomic(counter, `${next + 1}\n`, { mode: 0o600 });
    return next;
  });
}

/**
 * Throws FailedPrecondition when `range` overlaps the user ranges of `<etcDir>/login.defs`
 * (SYS_UID_MIN..UID_MAX, and the GID ones) or a range of `<etcDir>/subuid` / `subgid`.
 */
export async function checkRangeIsFree(range: IdRange, etcDir = '/etc'): Promise<void> {
  const taken: { what: string; first: number; last: number }[] = [];
  const defs = parseLoginDefs(await readOptional(join(etcDir, 'login.defs')));
  for (const k of ['UID', 'GID'] as const) {
    const first = defs.get(`SYS_${k}_MIN`) ?? 101;
    const last = defs.get(`${k}_MAX`) ?? 60_000;
    taken.push({ what: `login.defs SYS_${k}_MIN..${k}_MAX`, first, last });
  }
  for (const file of ['subuid', 'subgid']) {
    for (const line of (await readOptional(join(etcDir, file))).split('\n')) {
      const m = /^[^:#]+:(\d+):(\d+)\s*$/.exec(line);
      if (!m) continue;
      const first = Number(m[1]);
      taken.push({ what: `/etc/${file} "${line.trim()}"`, first, last: first + Number(m[2]) - 1 });
    }
  }
  const hit = taken.find((t) => t.first <= range.last && range.first <= t.last);
  if (hit) {
    throw new RuntimeError(
      'FailedPrecondition',
      `Cannot allocate ids in ${range.first}-${range.last}: the range overlaps ${hit.what} (${hit.first}-${hit.last})`,
      { hint: 'move that range, or give hostpod another id range that nothing else on the host uses' },
    );
  }
}

/** `KEY value` lines of login.defs, numbers only. */
export function parseLoginDefs(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_]+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return '';
    throw err;
  }
}
