import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { parseRunAsUserName } from '../spec/account.ts';
import {
  accountBaseEnv,
  cleanupEphemeralUsers,
  EPHEMERAL_MARKER,
  ephemeralScope,
  removeEphemeralUser,
  resolveAccount,
} from './accounts.ts';
import { parseGroup, parsePasswd } from './etc-files.ts';
import { EPHEMERAL_ID_RANGE } from './id-allocator.ts';

const letters = (k: number) =>
  Array.from({ length: k }, () => String.fromCharCode(97 + randomInt(26))).join('');
const randomName = () => `hpc-${letters(8)}`;
const randomId = () =>
  `${letters(6)}${Array.from({ length: 58 }, () => randomInt(16).toString(16)).join('')}`;
const passwd = () => parsePasswd(readFileSync('/etc/passwd', 'utf8'));
const quiet = (f: () => void) => {
  try {
    f();
  } catch {}
};
const delUser = (n: string) => quiet(() => execFileSync('userdel', [n], { stdio: 'ignore' }));
const delGroup = (n: string) => quiet(() => execFileSync('groupdel', [n], { stdio: 'ignore' }));

test('parsePasswd() and parseGroup() read the fields and skip comments, NIS and malformed lines', () => {
  const users = parsePasswd(
    'root:x:0:0:root:/root:/bin/bash\n# comment\n+nis::::::\nbad:x:1a:0:::\nshort:x:1\nsvc:x:998:997:hostpod ephemeral:/nonexistent:/usr/sbin/nologin\n',
  );
  assert.deepEqual(users, [
    { name: 'root', uid: 0, gid: 0, gecos: 'root', home: '/root', shell: '/bin/bash' },
    {
      name: 'svc',
      uid: 998,
      gid: 997,
      gecos: 'hostpod ephemeral',
      home: '/nonexistent',
      shell: '/usr/sbin/nologin',
    },
  ]);
  assert.deepEqual(parseGroup('adm:x:4:syslog,alice\nempty:x:5:\n-nis:::\nbad:x::\n'), [
    { name: 'adm', gid: 4, members: ['syslog', 'alice'] },
    { name: 'empty', gid: 5, members: [] },
  ]);
});

test("resolveAccount() maps SYSTEM to root and inherit-user to hostpod's own identity", async () => {
  const root = await resolveAccount(parseRunAsUserName('NT AUTHORITY\\SYSTEM'), { containerId: randomId() });
  assert.equal(root.uid, 0);
  assert.equal(root.gid, 0);
  assert.equal(root.name, 'root');
  const self = { uid: 4242, gid: 4343, groups: [4343, 27] };
  const inherit = await resolveAccount({ kind: 'inherit' }, { containerId: randomId(), self });
  assert.deepEqual([inherit.uid, inherit.gid, inherit.groups], [4242, 4343, [4343, 27]]);
  assert.equal(inherit.ephemeral, false);
});

test('resolveAccount() creates the Local Service and Network Service accounts on first use, once, with their fixed ids', async () => {
  const names = { localService: randomName(), networkService: randomName() };
  // Test names get test ids (the documented ones may be held by the real accounts here).
  const base = 1_900_000_100 + randomInt(800);
  const serviceAccountIds = { localService: base, networkService: base + 1 };
  try {
    const ls = await resolveAccount(parseRunAsUserName('NT AUTHORITY\\Local Service'), {
      containerId: randomId(),
      serviceAccounts: names,
      serviceAccountIds,
    });
    assert.equal(ls.name, names.localService);
    assert.equal(ls.uid, base, 'the fixed uid');
    assert.equal(ls.gid, base, 'a group of its own with the same id');
    assert.equal(ls.shell, '/usr/sbin/nologin');
    assert.equal(existsSync(ls.home) && ls.home !== '/nonexistent', false);
    assert.deepEqual(
      accountBaseEnv(ls)
        .map((v) => `${v.name}=${v.value}`)
        .slice(0, 4),
      [`HOME=/nonexistent`, `USER=${names.localService}`, `LOGNAME=${names.localService}`, 'SHELL=/bin/sh'],
    );
    const again = await resolveAccount(parseRunAsUserName('NT AUTHORITY\\LocalService'), {
      containerId: randomId(),
      serviceAccounts: names,
      serviceAccountIds,
    });
    assert.equal(again.uid, ls.uid);
    const ns = await resolveAccount(parseRunAsUserName('NT AUTHORITY\\NetworkService'), {
      containerId: randomId(),
      serviceAccounts: names,
      serviceAccountIds,
    });
    assert.equal(ns.name, names.networkService);
    assert.equal(ns.uid, base + 1);
    assert.equal(passwd().filter((u) => u.name === names.localService).length, 1);
  } finally {
    delUser(names.localService);
    delUser(names.networkService);
    delGroup(names.localService);
    delGroup(names.networkService);
  }
});

test('resolveAccount() makes an ephemeral user id[:20] in a local group; removeEphemeralUser() deletes it', async () => {
  const group = randomName();
  const id = randomId();
  execFileSync('groupadd', [group]);
  try {
    const gid = parseGroup(readFileSync('/etc/group', 'utf8')).find((g) => g.name === group)!.gid;
    const acct = await resolveAccount(parseRunAsUserName(group), { containerId: id });
    assert.equal(acct.name, id.slice(0, 20));
    assert.equal(acct.gid, gid);
    assert.ok(acct.groups.includes(gid));
    assert.ok(acct.uid >= EPHEMERAL_ID_RANGE.first && acct.uid <= EPHEMERAL_ID_RANGE.last, `uid ${acct.uid}`);
    assert.equal(acct.ephemeral, true);
    const entry = passwd().find((u) => u.name === acct.name);
    assert.equal(entry?.gecos, EPHEMERAL_MARKER);
    assert.match(execFileSync('id', ['-gn', acct.name], { encoding: 'utf8' }), new RegExp(group));
    assert.equal(await removeEphemeralUser(id), true);
    // The next container's user never gets the uid back (files may still belong to it).
    const id2 = randomId();
    try {
      const next = await resolveAccount(parseRunAsUserName(group), { containerId: id2 });
      assert.ok(next.uid > acct.uid, `uid ${next.uid} after ${acct.uid}`);
    } finally {
      await removeEphemeralUser(id2);
    }
    assert.equal(await removeEphemeralUser(id), false);
    assert.equal(
      passwd().some((u) => u.name === acct.name),
      false,
    );
    // The group itself stays: it is the host's.
    assert.ok(parseGroup(readFileSync('/etc/group', 'utf8')).some((g) => g.name === group));
  } finally {
    delUser(id.slice(0, 20));
    delGroup(group);
  }
});

test('cleanupEphemeralUsers() removes marked users of gone containers of its own scope only', async () => {
  const group = randomName();
  const [live, dead, foreign] = [randomId(), randomId(), randomId()];
  const plain = randomName();
  const scope = ephemeralScope(`/tmp/${randomName()}`);
  execFileSync('groupadd', [group]);
  execFileSync('useradd', ['--system', '--no-create-home', '--comment', 'not hostpod', plain]);
  try {
    await resolveAccount({ kind: 'group', name: group }, { containerId: live, scope });
    await resolveAccount({ kind: 'group', name: group }, { containerId: dead, scope });
    await resolveAccount(
      { kind: 'group', name: group },
      { containerId: foreign, scope: ephemeralScope('/other') },
    );
    assert.equal(passwd().find((u) => u.name === dead.slice(0, 20))?.gecos, `${EPHEMERAL_MARKER} ${scope}`);
    const { removed, failed } = await cleanupEphemeralUsers([live], { scope });
    assert.deepEqual(removed, [dead.slice(0, 20)]);
    assert.deepEqual(failed, []);
    const names = passwd().map((u) => u.name);
    assert.ok(names.includes(live.slice(0, 20)));
    assert.ok(!names.includes(dead.slice(0, 20)));
    assert.ok(names.includes(foreign.slice(0, 20)), "another root's user is left alone");
    assert.ok(names.includes(plain));
    assert.equal(await removeEphemeralUser(plain), false, 'a user hostpod did not make is never removed');
    assert.ok(passwd().some((u) => u.name === plain));
    // A removal scoped to another root does not touch it either.
    assert.equal(await removeEphemeralUser(live, { scope: ephemeralScope('/other') }), false);
    assert.equal(await removeEphemeralUser(live, { scope }), true);
  } finally {
    for (const id of [live, dead, foreign]) delUser(id.slice(0, 20));
    delUser(plain);
    delGroup(plain);
    delGroup(group);
  }
});

test('resolveAccount() fails an unknown name with "failed to create user process token" (scenario 26)', async () => {
  await assert.rejects(
    resolveAccount(parseRunAsUserName('bad-user-name'), { containerId: randomId() }),
    (e) =>
      isRuntimeError(e, 'FailedPrecondition') &&
      e.message ===
        'failed to create user process token: failed to logon user: no local group or account named "bad-user-name"',
  );
  const user = randomName();
  execFileSync('useradd', ['--system', '--no-create-home', '--no-user-group', user]);
  try {
    await assert.rejects(
      resolveAccount({ kind: 'group', name: user }, { containerId: randomId() }),
      (e) =>
        isRuntimeError(e, 'FailedPrecondition') &&
        e.message.endsWith(`"${user}" is a user, not a local group`),
    );
  } finally {
    delUser(user);
  }
});

test('resolveAccount() without root says which operation needs root and how to proceed', async () => {
  const self = { uid: 1000, gid: 1000, groups: [1000] };
  for (const name of ['NT AUTHORITY\\SYSTEM', 'NT AUTHORITY\\Local Service', 'root']) {
    await assert.rejects(
      resolveAccount(parseRunAsUserName(name), { containerId: randomId(), container: 'web', self }),
      (e) =>
        isRuntimeError(e, 'PermissionDenied') &&
        /Cannot start container "web": .* needs root/.test(e.message) &&
        /inherit-user annotation/.test(e.hint ?? ''),
      name,
    );
  }
  const ok = await resolveAccount({ kind: 'inherit' }, { containerId: randomId(), self });
  assert.equal(ok.uid, 1000);
});

test('cleanupEphemeralUsers() reports a user whose process still runs and carries on', async () => {
  const group = randomName();
  const busy = randomId();
  execFileSync('groupadd', [group]);
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const scope = ephemeralScope(`/tmp/${randomName()}`);
    const acct = await resolveAccount({ kind: 'group', name: group }, { containerId: busy, scope });
    child = spawn('/bin/sleep', ['30'], { uid: acct.uid, gid: acct.gid, stdio: 'ignore' });
    await new Promise((resolve) => child!.once('spawn', resolve));
    const first = await cleanupEphemeralUsers([], { scope });
    assert.deepEqual(first.removed, []);
    assert.equal(first.failed.length, 1);
    assert.equal(first.failed[0]!.name, acct.name);
    assert.ok(isRuntimeError(first.failed[0]!.error, 'FailedPrecondition'));
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = undefined;
    assert.deepEqual((await cleanupEphemeralUsers([], { scope })).removed, [acct.name]);
  } finally {
    child?.kill('SIGKILL');
    delUser(busy.slice(0, 20));
    delGroup(group);
  }
});
