import { readFile } from 'node:fs/promises';
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

/** The host's accounts, read fresh from `<etcDir>/passwd` and `<etcDir>/group`. */
export interface HostAccounts {
  users: PasswdEntry[];
  groups: GroupEntry[];
}

export async function readHostAccounts(etcDir = '/etc'): Promise<HostAccounts> {
  const [p, g] = await Promise.all([
    readFile(join(etcDir, 'passwd'), 'utf8'),
    readFile(join(etcDir, 'group'), 'utf8'),
  ]);
  return { users: parsePasswd(p), groups: parseGroup(g) };
}

/** The supplementary gids of `user`: its primary gid, then every group listing it as a member. */
export function groupsOf(accounts: HostAccounts, user: PasswdEntry): number[] {
  const gids = [user.gid];
  for (const g of accounts.groups)
    if (g.members.includes(user.name) && !gids.includes(g.gid)) gids.push(g.gid);
  return gids;
}
