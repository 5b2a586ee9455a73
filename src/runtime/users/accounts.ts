import { RuntimeError } from '../../errors.ts';
import { instanceId } from '../../lib/instance-id.ts';
import { type AccountSpec, LOGON_FAILURE } from '../spec/account.ts';
import { type BaseEnvAccount, userBaseEnv } from '../spec/env.ts';
import type { EnvVar } from '../spec/types.ts';
import { groupsOf, type HostAccounts, type PasswdEntry, readHostAccounts } from './etc-files.ts';
import { allocateId, type IdAllocatorOptions, SERVICE_ACCOUNT_IDS } from './id-allocator.ts';
import { runShadowTool } from './shadow-tools.ts';

/** The GECOS field that marks a user hostpod made for one container. */
export const EPHEMERAL_MARKER = 'hostpod ephemeral';

/**
 * A short tag for one hostpod state root (its `instanceId`), added to the GECOS marker so that
 * the crash cleanup of one root never deletes the users of another (two roots on one host,
 * tests in parallel).
 */
export function ephemeralScope(root: string): string {
  return instanceId(root);
}

/** The GECOS of an ephemeral user: `hostpod ephemeral` or `hostpod ephemeral <scope>`. */
function markerFor(scope: string | undefined): string {
  return scope === undefined ? EPHEMERAL_MARKER : `${EPHEMERAL_MARKER} ${scope}`;
}

/** Whether a GECOS marks an ephemeral user (of `scope`, when given; of any scope otherwise). */
function isEphemeral(gecos: string, scope: string | undefined): boolean {
  if (scope !== undefined) return gecos === markerFor(scope);
  return gecos === EPHEMERAL_MARKER || gecos.startsWith(`${EPHEMERAL_MARKER} `);
}
/** hcsshim's UserNameCharLimit: the ephemeral user is named `<containerId>.slice(0, 20)`. */
export const EPHEMERAL_NAME_LENGTH = 20;

/** The Linux accounts that stand for Local Service and Network Service. */
export interface ServiceAccountNames {
  localService: string;
  networkService: string;
}

export const DEFAULT_SERVICE_ACCOUNTS: ServiceAccountNames = {
  localService: 'hostpod-localsvc',
  networkService: 'hostpod-netsvc',
};

/** hostpod's own identity (for inherit-user, and to know whether it is root). */
export interface SelfIdentity {
  uid: number;
  gid: number;
  groups: number[];
}

export interface ResolveAccountOptions {
  /** The container id (the ephemeral user is named after it). */
  containerId: string;
  /** The container name, for messages. */
  container?: string;
  serviceAccounts?: Partial<ServiceAccountNames>;
  /** hostpod's own identity; default: this process's. */
  self?: SelfIdentity;
  /** Where passwd and group are read (default `/etc`; useradd always writes `/etc`). */
  etcDir?: string;
  /** Tags an ephemeral user with its state root (`ephemeralScope(root)`). */
  scope?: string;
  /** The uid/gid of a service account created now (default `SERVICE_ACCOUNT_IDS`). */
  serviceAccountIds?: Partial<{ localService: number; networkService: number }>;
  /** Where ephemeral uids come from (default: the host-wide allocator). */
  ids?: IdAllocatorOptions;
}

/** Who the processes run as, ready for setgroups/setgid/setuid. */
export interface ResolvedAccount {
  name: string;
  uid: number;
  gid: number;
  /** Supplementary gids (the primary one included). */
  groups: number[];
  home: string;
  shell: string;
  /** True for a user made for this container (remove it with `removeEphemeralUser`). */
  ephemeral: boolean;
}

/** The current process's identity. */
export function currentIdentity(): SelfIdentity {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, groups: process.getgroups?.() ?? [] };
}

/**
 * Turns an account kind into a host account, creating what is missing:
 * - inherit → hostpod's own uid/gid/groups (no root needed);
 * - system → root;
 * - local-service / network-service → dedicated system accounts (default `hostpod-localsvc` /
 *   `hostpod-netsvc`: no home, nologin shell), created on first use with their fixed ids
 *   (`SERVICE_ACCOUNT_IDS`, uid = gid; an existing account of that name is used as it is);
 * - group → an ephemeral user `<containerId>.slice(0, 20)` in that host group (GECOS
 *   `hostpod ephemeral`), its uid from the host-wide allocator (`allocateId`: never reused).
 *   hcsshim only supports groups here: a name that is a user but not a group is refused, as
 *   are unknown names.
 * Throws FailedPrecondition `failed to create user process token: failed to logon user: …` for
 * an unknown name or a service account's fixed uid held by another user, PermissionDenied when
 * hostpod is not root and the account needs it, AlreadyExists when a non-hostpod user already
 * has the ephemeral name, ResourceExhausted when the ephemeral id range is used up, Internal
 * when useradd fails.
 */
export async function resolveAccount(
  spec: AccountSpec,
  options: ResolveAccountOptions,
): Promise<ResolvedAccount> {
  const self = options.self ?? currentIdentity();
  const etcDir = options.etcDir ?? '/etc';
  const container = options.container ?? options.containerId;
  let accounts = await readHostAccounts(etcDir);
  if (spec.kind === 'inherit') {
    const me = accounts.users.find((u) => u.uid === self.uid);
    return {
      name: me?.name ?? String(self.uid),
      uid: self.uid,
      gid: self.gid,
      groups: self.groups.length > 0 ? [...self.groups] : [self.gid],
      home: me?.home ?? '/',
      shell: me?.shell ?? '/bin/sh',
      ephemeral: false,
    };
  }
  let group: { name: string; gid: number } | undefined;
  if (spec.kind === 'group') {
    group = accounts.groups.find((g) => g.name === spec.name);
    if (group === undefined) {
      const isUser = accounts.users.some((u) => u.name === spec.name);
      throw new RuntimeError(
        'FailedPrecondition',
        `${LOGON_FAILURE}: ${isUser ? `"${spec.name}" is a user, not a local group` : `no local group or account named "${spec.name}"`}`,
        {
          hint:
            'set runAsUserName to "NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\Local Service", "NT AUTHORITY\\Network Service" ' +
            'or the name of an existing host group (create it first, e.g. with groupadd in an init container)',
        },
      );
    }
  }
  requireRoot(self, spec, container);
  if (spec.kind === 'system') {
    const root = accounts.users.find((u) => u.uid === 0) ?? rootFallback();
    return fromEntry(accounts, root, false);
  }
  if (spec.kind === 'local-service' || spec.kind === 'network-service') {
    const names = { ...DEFAULT_SERVICE_ACCOUNTS, ...options.serviceAccounts };
    const name = spec.kind === 'local-service' ? names.localService : names.networkService;
    let user = accounts.users.find((u) => u.name === name);
    if (user === undefined) {
      const ids = { ...SERVICE_ACCOUNT_IDS, ...options.serviceAccountIds };
      await createServiceAccount(
        name,
        accounts,
        spec.kind,
        ids[spec.kind === 'local-service' ? 'localService' : 'networkService'],
      );
      accounts = await readHostAccounts(etcDir);
      user = mustFind(accounts, name);
    }
    return fromEntry(accounts, user, false);
  }
  const name = ephemeralUserName(options.containerId);
  const existing = accounts.users.find((u) => u.name === name);
  if (existing !== undefined && !isEphemeral(existing.gecos, undefined)) {
    throw new RuntimeError('AlreadyExists', `${LOGON_FAILURE}: a host user named "${name}" already exists`, {
      hint: `it was not made by hostpod; remove it or use another container id`,
    });
  }
  if (existing === undefined) {
    // A uid from hostpod's own range, never handed out before (so it owns no file of an earlier
    // container). useradd re-checks it under the passwd lock; taken meanwhile (exit 4): the next.
    let r: Awaited<ReturnType<typeof runShadowTool>>;
    for (let attempt = 0; ; attempt++) {
      const uid = await allocateId(options.ids);
      r = await runShadowTool('useradd', [
        '--system',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        '--comment',
        markerFor(options.scope),
        '--uid',
        String(uid),
        '--gid',
        String(group!.gid),
        name,
      ]);
      if (r.exitCode !== 4 || attempt >= 3) break;
    }
    if (r.exitCode !== 0) {
      throw new RuntimeError(
        'Internal',
        `${LOGON_FAILURE}: useradd ${name} failed (exit ${r.exitCode}): ${r.stderr}`,
      );
    }
    accounts = await readHostAccounts(etcDir);
  }
  const user = mustFind(accounts, name);
  const resolved = fromEntry(accounts, user, true);
  if (!resolved.groups.includes(group!.gid)) resolved.groups.push(group!.gid);
  return resolved;
}

/** `<containerId>.slice(0, 20)`. */
export function ephemeralUserName(containerId: string): string {
  return containerId.slice(0, EPHEMERAL_NAME_LENGTH);
}

/** The base environment of an account (HOME, USER, LOGNAME, SHELL, PATH). */
export function accountBaseEnv(account: ResolvedAccount): EnvVar[] {
  const nologin = /\/(nologin|false)$/.test(account.shell);
  const base: BaseEnvAccount = {
    name: account.name,
    home: account.home,
    shell: nologin ? '/bin/sh' : account.shell,
  };
  return userBaseEnv(base);
}

/**
 * Deletes the ephemeral user of `containerId` (only one marked `hostpod ephemeral`, of `scope`
 * when given).
 * Idempotent: returns false when there was nothing to delete. Throws FailedPrecondition when
 * userdel refuses (a process of that user still runs), Internal on other failures.
 */
export async function removeEphemeralUser(
  containerId: string,
  options: { etcDir?: string; scope?: string } = {},
): Promise<boolean> {
  const name = ephemeralUserName(containerId);
  const accounts = await readHostAccounts(options.etcDir);
  const user = accounts.users.find((u) => u.name === name);
  if (user === undefined || !isEphemeral(user.gecos, options.scope)) return false;
  return deleteUser(name);
}

/**
 * Crash recovery: deletes every user marked `hostpod ephemeral` (of `scope` only, when given:
 * pass `ephemeralScope(root)`) whose container is not among `liveIds`. A user that cannot be deleted (a process of it still runs) does not stop the
 * others: it is returned in `failed`.
 */
export async function cleanupEphemeralUsers(
  liveIds: Iterable<string>,
  options: { etcDir?: string; scope?: string } = {},
): Promise<{ removed: string[]; failed: { name: string; error: unknown }[] }> {
  const live = new Set([...liveIds].map(ephemeralUserName));
  const accounts = await readHostAccounts(options.etcDir);
  const removed: string[] = [];
  const failed: { name: string; error: unknown }[] = [];
  for (const u of accounts.users) {
    if (!isEphemeral(u.gecos, options.scope) || live.has(u.name)) continue;
    try {
      if (await deleteUser(u.name)) removed.push(u.name);
    } catch (error) {
      failed.push({ name: u.name, error });
    }
  }
  return { removed, failed };
}

async function deleteUser(name: string): Promise<boolean> {
  const r = await runShadowTool('userdel', [name]);
  if (r.exitCode === 0) return true;
  if (r.exitCode === 6) return false;
  if (r.exitCode === 8) {
    throw new RuntimeError('FailedPrecondition', `Cannot delete user "${name}": a process of it still runs`, {
      hint: 'stop the container (its whole job) first',
    });
  }
  throw new RuntimeError(
    'Internal',
    `Cannot delete user "${name}": userdel exited ${r.exitCode}: ${r.stderr}`,
  );
}

/**
 * Creates a service account with its fixed id (uid = gid, `SERVICE_ACCOUNT_IDS`): a group of
 * the same name with that gid (or the existing group of that name), then the user.
 */
async function createServiceAccount(
  name: string,
  accounts: HostAccounts,
  kind: string,
  id: number,
): Promise<void> {
  const label = kind === 'local-service' ? 'Local Service' : 'Network Service';
  const taken = accounts.users.find((u) => u.uid === id);
  if (taken !== undefined) {
    throw new RuntimeError(
      'FailedPrecondition',
      `${LOGON_FAILURE}: cannot create the ${label} account "${name}" with its fixed uid ${id}: user "${taken.name}" has it`,
      {
        hint: `remove or renumber "${taken.name}", or create "${name}" yourself (hostpod uses an existing account as it is)`,
      },
    );
  }
  let group = accounts.groups.find((g) => g.name === name);
  if (group === undefined) {
    const g = await runShadowTool('groupadd', ['--system', '--gid', String(id), name]);
    if (g.exitCode !== 0 && g.exitCode !== 9) {
      throw new RuntimeError(
        'Internal',
        `${LOGON_FAILURE}: cannot create the group "${name}" (gid ${id}): groupadd exited ${g.exitCode}: ${g.stderr}`,
      );
    }
    group = (await readHostAccounts()).groups.find((x) => x.name === name);
  }
  const r = await runShadowTool('useradd', [
    '--system',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    '--comment',
    `hostpod ${label}`,
    '--uid',
    String(id),
    '--gid',
    String(group?.gid ?? id),
    name,
  ]);
  if (r.exitCode !== 0 && r.exitCode !== 9) {
    throw new RuntimeError(
      'Internal',
      `${LOGON_FAILURE}: cannot create the account "${name}": useradd exited ${r.exitCode}: ${r.stderr}`,
    );
  }
}

function requireRoot(self: SelfIdentity, spec: AccountSpec, container: string): void {
  if (self.uid === 0) return;
  const what =
    spec.kind === 'group'
      ? `creating an ephemeral user in group "${spec.name}"`
      : spec.kind === 'system'
        ? 'running as NT AUTHORITY\\SYSTEM (root)'
        : `running as ${spec.kind === 'local-service' ? 'NT AUTHORITY\\Local Service' : 'NT AUTHORITY\\Network Service'}`;
  throw new RuntimeError(
    'PermissionDenied',
    `Cannot start container "${container}": ${what} needs root (hostpod runs as uid ${self.uid})`,
    {
      hint: 'run as root, or use runAsUserName of hostpod\'s own user via the inherit-user annotation (microsoft.com/hostprocess-inherit-user: "true")',
    },
  );
}

function fromEntry(accounts: HostAccounts, user: PasswdEntry, ephemeral: boolean): ResolvedAccount {
  return {
    name: user.name,
    uid: user.uid,
    gid: user.gid,
    groups: groupsOf(accounts, user),
    home: user.home,
    shell: user.shell,
    ephemeral,
  };
}

function mustFind(accounts: HostAccounts, name: string): PasswdEntry {
  const u = accounts.users.find((x) => x.name === name);
  if (u === undefined)
    throw new RuntimeError(
      'Internal',
      `${LOGON_FAILURE}: user "${name}" is missing right after it was created`,
    );
  return u;
}

function rootFallback(): PasswdEntry {
  return { name: 'root', uid: 0, gid: 0, gecos: '', home: '/root', shell: '/bin/sh' };
}
