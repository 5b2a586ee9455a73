/**
 * The accounts module's Win32 calls (koffi: advapi32, userenv, netapi32) under Windows Node.js
 * in Wine, from the compiled `dist/` (build first: `npm run build`). Wine shows that the calls
 * are bound and marshalled right and that the ephemeral-user cycle runs; it cannot show Windows'
 * account semantics: its netapi32 answers every name as a local group and its LogonUserW returns
 * a token without checking anything, so the group/logon choice and logon failures are tested
 * against a stand-in (windows-accounts.test.ts) and hold by construction.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WineSession, wineSkip } from '../../../lib/testing/wine.ts';

const DIST = resolve(import.meta.dirname, '../../../../dist');
const skip =
  wineSkip() ||
  (existsSync(join(DIST, 'runtime', 'users', 'windows', 'windows-accounts.js'))
    ? false
    : 'needs dist/: run npm run build');

const PROBE = `
import { pathToFileURL } from 'node:url';
const dist = process.argv[2];
const m = await import(pathToFileURL(dist + '\\\\runtime\\\\users\\\\windows\\\\windows-accounts.js').href);
const { parseWindowsAccount } = await import(pathToFileURL(dist + '\\\\runtime\\\\spec\\\\windows\\\\account.js').href);
const id = 'c0ffee0123456789abcdef0123456789';
const out = {};
const inherit = m.openAccountToken(parseWindowsAccount(undefined, { 'microsoft.com/hostprocess-inherit-user': 'true' }), id);
out.inheritKind = inherit.kind;
out.inheritEnv = inherit.environment();
inherit.close();
const eph = m.openAccountToken(parseWindowsAccount('Administrators'), id);
out.ephemeral = { kind: eph.kind, user: eph.ephemeralUser };
out.removedWhileOpen = m.removeEphemeralUser(id);
eph.close();
const eph2 = m.openAccountToken(parseWindowsAccount('Users'), id);
eph2.close();
out.removedAfterClose = m.removeEphemeralUser(id);
console.log(JSON.stringify(out));
`;

describe('openAccountToken() under Windows Node.js (koffi)', { skip }, () => {
  let wine: WineSession;
  before(async () => {
    wine = await WineSession.start();
  });
  after(async () => {
    await wine?.stop();
  });

  test("opens hostpod's own token with its environment, and runs the ephemeral-user cycle", async () => {
    const script = wine.hostPath('C:\\accounts-probe.mjs');
    writeFileSync(script, PROBE);
    const r = await wine.runNode(script, [wine.winPath(DIST)], { timeoutMs: 90_000 });
    assert.equal(r.exitCode, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      inheritKind: string;
      inheritEnv: { name: string; value: string }[];
      ephemeral: { kind: string; user: string };
      removedWhileOpen: boolean;
      removedAfterClose: boolean;
    };
    assert.equal(out.inheritKind, 'inherit');
    const env = new Map(out.inheritEnv.map((e) => [e.name.toUpperCase(), e.value]));
    assert.match(env.get('SYSTEMROOT') ?? '', /^C:\\windows$/i);
    assert.match(env.get('PATHEXT') ?? '', /\.EXE/i);
    assert.ok((env.get('PATH') ?? '').toLowerCase().includes('c:\\windows\\system32'), env.get('PATH'));
    // The ephemeral user is named after the container and exists until removed; close() removes it.
    assert.deepEqual(out.ephemeral, { kind: 'ephemeral', user: 'c0ffee0123456789abcd' });
    assert.equal(out.removedWhileOpen, true);
    assert.equal(out.removedAfterClose, false);
  });
});
