import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One /etc/passwd entry. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

/** One /etc/group entry. */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const ID = /^(0|[1-9][0-9]{0,9})$/;

/** Parses /etc/passwd text; comments, NIS `+`/`-` lines and malformed lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length !== 7 || f[0] === '' || /^[#+-]/.test(line)) continue;
    const [name, , uid, gid, gecos, home, shell] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!ID.test(uid) || !ID.test(gid)) continue;
    out.push({ name, uid: Number(uid), gid: Number(gid), gecos, home, shell });
  }
  return out;
}

/** Parses /etc/group text; comments, NIS lines and malformed lines are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length !== 4 || f[0] === '' || /^[#+-]/.test(line)) continue;
    const [name, , gid, members] = f as [string, string, string, string];
    if (!ID.test(gid)) continue;
    out.push({
      name,
      gid: Number(gid),
      members: members === '' ? [] : members.split(',').filter((m) => m !== ''),
    });
  }
  return out;
}

/** The host's accounts as `<etcDir>/passwd` and `<etcDir>/group` say (see `readHostAccounts()`). */
export interface HostAccounts {
  users: readonly PasswdEntry[];
  groups: readonly GroupEntry[];
}

/** What a file looked like when it was read: any change to it changes one of these. */
interface FileStamp {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/**
 * How long ago a file must have last changed for its stamp to be trusted: the kernel's timestamps
 * advance by the clock tick, so two writes within one tick (same inode, same size) could leave
 * the stamp unchanged. A file changed more recently is read again on every call (git's "racy"
 * rule).
 */
const RACY_MARGIN_NS = 2_000_000_000n;

function stampOf(path: string): FileStamp {
  const st = statSync(path, { bigint: true });
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

const cache = new Map<string, { passwd: FileStamp; group: FileStamp; accounts: HostAccounts }>();

/**
 * The host's accounts from `<etcDir>/passwd` and `<etcDir>/group`. Parsed once and reused while
 * both files keep their inode, size, mtime and ctime (a stat each per call; useradd/groupadd
 * replace the files, an editor changes size or times) and their content was last changed (mtime)
 * more than 2 s before they were read; otherwise read again. The result is frozen: it is shared
 * between callers.
 */
export async function readHostAccounts(etcDir = '/etc'): Promise<HostAccounts> {
  const passwdPath = join(etcDir, 'passwd');
  const groupPath = join(etcDir, 'group');
  const passwd = stampOf(passwdPath);
  const group = stampOf(groupPath);
  // Stamped before reading: a change during the read leaves a stamp that no longer matches.
  const hit = cache.get(etcDir);
  if (hit && sameStamp(hit.passwd, passwd) && sameStamp(hit.group, group)) return hit.accounts;
  const p = readFileSync(passwdPath, 'utf8');
  const g = readFileSync(groupPath, 'utf8');
  const accounts: HostAccounts = Object.freeze({
    users: Object.freeze(parsePasswd(p).map((u) => Object.freeze(u))),
    groups: Object.freeze(
      parseGroup(g).map((x) => Object.freeze({ ...x, members: Object.freeze(x.members) as string[] })),
    ),
  });
  const now = BigInt(Date.now()) * 1_000_000n;
  const settled = (s: FileStamp) => now - s.mtimeNs > RACY_MARGIN_NS;
  if (settled(passwd) && settled(group)) cache.set(etcDir, { passwd, group, accounts });
  else cache.delete(etcDir);
  return accounts;
}

/** The supplementary gids of `user`: its primary gid, then every group listing it as a member. */
export function groupsOf(accounts: HostAccounts, user: PasswdEntry): number[] {
  const gids = [user.gid];
  for (const g of accounts.groups)
    if (g.members.includes(user.name) && !gids.includes(g.gid)) gids.push(g.gid);
  return gids;
}
