/**
 * The account sequence against a recording stand-in for the Win32 calls: Wine cannot show
 * NetUserAdd/LogonUserW semantics, so these tests check what hostpod asks Windows for and how
 * it words and cleans up failures. The calls themselves run under Wine in
 * windows-accounts.wine.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWindowsAccount } from '../../spec/windows/account.ts';
import type { Win32Api } from './win32-api.ts';
import { openAccountToken, removeEphemeralUser } from './windows-accounts.ts';

interface FakeOptions {
  groups?: string[];
  logon?: (user: string, domain: string | null, password: string | null, type: number) => number;
  userAdd?: number;
  addMember?: number;
  userDel?: number;
}

function fakeWin32(o: FakeOptions = {}) {
  const calls: string[] = [];
  let lastError = 0;
  const users = new Map<string, string>();
  const api: Win32Api = {
    GetLastError: () => lastError,
    GetCurrentProcess: () => 'self',
    OpenProcessToken: (_p, access, out) => {
      calls.push(`OpenProcessToken ${access.toString(16)}`);
      out[0] = 'self-token';
      return true;
    },
    CloseHandle: (h) => {
      calls.push(`CloseHandle ${String(h)}`);
      return true;
    },
    LogonUserW: (user, domain, password, type, _provider, out) => {
      calls.push(
        `LogonUserW ${domain ?? '-'}\\${user} type=${type} password=${password === null ? 'none' : 'set'}`,
      );
      const err = o.logon?.(user, domain, password, type) ?? 0;
      if (err !== 0) {
        lastError = err;
        return false;
      }
      if (password !== null && users.get(user) !== password) {
        lastError = 1326;
        return false;
      }
      out[0] = `token-${user}`;
      return true;
    },
    CreateEnvironmentBlock: (out) => {
      out[0] = 'env';
      return true;
    },
    DestroyEnvironmentBlock: () => true,
    readString16: (_p, off) => ['USERNAME=x', 'Path=C:\\Windows', ''][[0, 22, 54].indexOf(off)] ?? '',
    NetLocalGroupGetInfo: (_s, group, _l, out) => {
      calls.push(`NetLocalGroupGetInfo ${group}`);
      if (!(o.groups ?? []).includes(group)) return 2220;
      out[0] = 'buf';
      return 0;
    },
    NetApiBufferFree: () => 0,
    NetUserAdd: (_s, level, info) => {
      calls.push(
        `NetUserAdd ${level} ${info.usri1_name} priv=${info.usri1_priv} flags=${info.usri1_flags.toString(16)}`,
      );
      if (o.userAdd) return o.userAdd;
      users.set(info.usri1_name, info.usri1_password);
      return 0;
    },
    NetUserDel: (_s, user) => {
      calls.push(`NetUserDel ${user}`);
      if (o.userDel !== undefined) return o.userDel;
      return users.delete(user) ? 0 : 2221;
    },
    NetLocalGroupAddMembers: (_s, group, level, m) => {
      calls.push(`NetLocalGroupAddMembers ${group} ${level} ${m.lgrmi3_domainandname}`);
      return o.addMember ?? 0;
    },
  };
  return { api, calls, users };
}

const ID = 'c0ffee0123456789abcdef0123456789';

test('openAccountToken() logs NT AUTHORITY accounts on as services, without a password', () => {
  const { api, calls } = fakeWin32();
  const t = openAccountToken(parseWindowsAccount('NT AUTHORITY\\Local Service'), ID, api);
  assert.equal(t.kind, 'logon');
  assert.deepEqual(calls, [
    'NetLocalGroupGetInfo NT AUTHORITY\\Local Service',
    'LogonUserW NT AUTHORITY\\LOCAL SERVICE type=5 password=none',
  ]);
  t.close();
  t.close();
  assert.equal(calls.filter((c) => c.startsWith('CloseHandle')).length, 1, 'closed once');
});

test("openAccountToken() inherits hostpod's own token for the annotation, and reads its environment", () => {
  const { api, calls } = fakeWin32();
  const t = openAccountToken(
    parseWindowsAccount(undefined, { 'microsoft.com/hostprocess-inherit-user': 'true' }),
    ID,
    api,
  );
  assert.equal(t.kind, 'inherit');
  assert.deepEqual(calls, ['OpenProcessToken f01ff']);
  assert.deepEqual(t.environment(), [
    { name: 'USERNAME', value: 'x' },
    { name: 'Path', value: 'C:\\Windows' },
  ]);
});

test('openAccountToken() makes an ephemeral user in a local group, logs it on, and deletes it on close', () => {
  const { api, calls, users } = fakeWin32({ groups: ['Administrators'] });
  const t = openAccountToken(parseWindowsAccount('Administrators'), ID, api);
  assert.equal(t.kind, 'ephemeral');
  assert.equal(t.ephemeralUser, ID.slice(0, 20));
  assert.deepEqual(calls.slice(0, 4), [
    'NetLocalGroupGetInfo Administrators',
    `NetUserAdd 1 ${ID.slice(0, 20)} priv=1 flags=10200`,
    `NetLocalGroupAddMembers Administrators 3 ${ID.slice(0, 20)}`,
    `LogonUserW .\\${ID.slice(0, 20)} type=2 password=set`,
  ]);
  // The password is a fresh UUID each time.
  assert.match(
    users.get(ID.slice(0, 20)) ?? '',
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  t.close();
  assert.equal(users.size, 0);
});

test('openAccountToken() deletes the ephemeral user when adding it to the group or logging on fails', () => {
  const a = fakeWin32({ groups: ['G'], addMember: 5 });
  assert.throws(
    () => openAccountToken(parseWindowsAccount('G'), ID, a.api),
    (e: Error & { code?: string }) =>
      e.code === 'FailedPrecondition' &&
      e.message ===
        `failed to create user process token: failed to create local account for container: failed to add user "${ID.slice(0, 20)}" to the "G" group: Access is denied. (error 5)`,
  );
  assert.equal(a.users.size, 0);
  const b = fakeWin32({ groups: ['G'], logon: () => 1385 });
  assert.throws(
    () => openAccountToken(parseWindowsAccount('G'), ID, b.api),
    /failed to logon user: Logon failure: the user has not been granted/,
  );
  assert.equal(b.users.size, 0);
  assert.ok(b.calls.includes(`NetUserDel ${ID.slice(0, 20)}`));
});

test('openAccountToken() words a refused logon or user creation as the reference does', () => {
  const { api } = fakeWin32({ logon: () => 1326 });
  assert.throws(
    () => openAccountToken(parseWindowsAccount('CORP\\alice'), ID, api),
    (e: Error) =>
      e.message ===
      'failed to create user process token: failed to logon user: The user name or password is incorrect. (error 1326)',
  );
  const c = fakeWin32({ groups: ['G'], userAdd: 2224 });
  assert.throws(
    () => openAccountToken(parseWindowsAccount('G'), ID, c.api),
    new RegExp(
      `failed to create local account for container: failed to create user ${ID.slice(0, 20)}: The account already exists`,
    ),
  );
});

test("removeEphemeralUser() deletes the container's user, ignores an absent one, reports other failures", () => {
  const { api, users } = fakeWin32();
  users.set(ID.slice(0, 20), 'pw');
  assert.equal(removeEphemeralUser(ID, api), true);
  assert.equal(removeEphemeralUser(ID, api), false);
  const bad = fakeWin32({ userDel: 5 });
  assert.throws(() => removeEphemeralUser(ID, bad.api), /failed to delete user .*Access is denied/);
});
