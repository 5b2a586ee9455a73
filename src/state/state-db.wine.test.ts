/**
 * The state database under Windows Node.js (node:sqlite through `sqlite-driver.ts`), run under
 * Wine from the compiled `dist/` (build first: `npm run build`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WineSession, wineSkip } from '../lib/testing/wine.ts';

const DIST = resolve(import.meta.dirname, '../../dist');
const skip =
  wineSkip() || (existsSync(join(DIST, 'state', 'state-db.js')) ? false : 'needs dist/: run npm run build');

const PROBE = `
import { pathToFileURL } from 'node:url';
const dist = process.argv[2];
const { openStateDb } = await import(pathToFileURL(dist + '\\\\state\\\\state-db.js').href);
const { sqliteDriverName } = await import(pathToFileURL(dist + '\\\\state\\\\sqlite-driver.js').href);
const { parsePodUid } = await import(pathToFileURL(dist + '\\\\state\\\\ids.js').href);
const out = { driver: sqliteDriverName() };
const path = 'C:\\\\state\\\\state.db';
const manifest = (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { hostNetwork: true, containers: [{ name: 'main', image: 'x:1', command: ['cmd'] }] } });
const code = (fn) => { try { fn(); return 'none'; } catch (e) { return e.code + ': ' + e.message; } };
let db = openStateDb(path);
out.created = db.pods.put({ namespace: 'default', name: 'web', manifest: manifest('web'), source: { kind: 'apply' } }).change;
out.again = db.pods.put({ namespace: 'default', name: 'web', manifest: manifest('web'), source: { kind: 'apply' } }).change;
out.rolledBack = code(() => db.transition(() => {
  db.pods.put({ namespace: 'default', name: 'gone', manifest: manifest('gone'), source: { kind: 'apply' } });
  db.transition(() => db.pods.put({ namespace: 'default', name: 'inner', manifest: manifest('inner'), source: { kind: 'apply' } }));
  throw new Error('boom');
}));
out.nested = db.transition(() => {
  db.pods.put({ namespace: 'default', name: 'outer', manifest: manifest('outer'), source: { kind: 'apply' } });
  try { db.transition(() => { db.pods.put({ namespace: 'default', name: 'sp', manifest: manifest('sp'), source: { kind: 'apply' } }); throw new Error('x'); }); } catch {}
  return db.pods.list({}).map((p) => p.name);
});
out.foreignKey = code(() => db.events.add({ podUid: parsePodUid('gone'), type: 'Normal', reason: 'Started', message: 'm' }));
out.quickCheck = db.quickCheck();
db.close();
db = openStateDb(path, { readonly: true });
out.readonly = db.pods.list({}).map((p) => p.name);
out.schema = db.schemaVersion;
db.close();
out.missing = code(() => openStateDb('C:\\\\state\\\\nothing.db', { readonly: true }));
console.log(JSON.stringify(out));
`;

describe('openStateDb() under Windows Node.js (node:sqlite)', { skip }, () => {
  let wine: WineSession;
  before(async () => {
    wine = await WineSession.start();
  });
  after(async () => {
    await wine?.stop();
  });

  test('stores, nests transitions, rolls back, maps constraint errors and reopens read-only', async () => {
    mkdirSync(wine.hostPath('C:\\state'), { recursive: true });
    const script = wine.hostPath('C:\\probe.mjs');
    writeFileSync(script, PROBE);
    const r = await wine.runNode(script, [wine.winPath(DIST)]);
    assert.equal(r.exitCode, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.driver, 'node:sqlite');
    assert.equal(out.created, 'created');
    assert.equal(out.again, 'unchanged');
    assert.match(String(out.rolledBack), /boom/);
    assert.deepEqual(out.nested, ['outer', 'web']);
    assert.match(String(out.foreignKey), /^NotFound: /);
    assert.deepEqual(out.quickCheck, ['ok']);
    assert.deepEqual(out.readonly, ['outer', 'web']);
    assert.equal(typeof out.schema, 'number');
    assert.match(String(out.missing), /^NotFound: No state database/);
    assert.ok(existsSync(wine.hostPath('C:\\state\\state.db')), 'the database is a file on drive C:');
  });

  test('refuses a file that is not SQLite, leaving it as it was (DataLoss)', async () => {
    mkdirSync(wine.hostPath('C:\\bad'), { recursive: true });
    const bad = wine.hostPath('C:\\bad\\state.db');
    writeFileSync(bad, 'not a database, just text that is long enough to pass the size check '.repeat(3));
    const script = wine.hostPath('C:\\bad.mjs');
    writeFileSync(
      script,
      `import { pathToFileURL } from 'node:url';
const { openStateDb } = await import(pathToFileURL(process.argv[2] + '\\\\state\\\\state-db.js').href);
try { openStateDb('C:\\\\bad\\\\state.db'); console.log('opened'); } catch (e) { console.log(e.code + ': ' + e.message); }`,
    );
    const r = await wine.runNode(script, [wine.winPath(DIST)]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^DataLoss: State database C:\\bad\\state\.db is not a SQLite database/);
  });
});
