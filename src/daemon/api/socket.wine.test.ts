/**
 * The API endpoint on Windows: a named pipe, served and reached by Windows Node.js under Wine
 * (from the compiled `dist/`: `npm run build` first).
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WineSession, wineSkip } from '../../lib/testing/wine.ts';
import { isNamedPipe } from './socket.ts';

const DIST = resolve(import.meta.dirname, '../../../dist');

test('isNamedPipe() knows \\\\.\\pipe\\ names and nothing else', () => {
  assert.equal(isNamedPipe('\\\\.\\pipe\\hostpod'), true);
  assert.equal(isNamedPipe('\\\\?\\pipe\\hostpod-2'), true);
  assert.equal(isNamedPipe('\\\\.\\pipe\\'), false);
  assert.equal(isNamedPipe('/run/hostpod/hostpod.sock'), false);
  assert.equal(isNamedPipe('C:\\pipe\\x'), false);
  assert.equal(isNamedPipe('\\\\server\\pipe\\x'), false);
});

const skip =
  wineSkip() ||
  (existsSync(join(DIST, 'daemon', 'api', 'socket.js')) ? false : 'needs dist/: run npm run build');

describe('the API on a named pipe (Windows Node.js under Wine)', { skip }, () => {
  let wine: WineSession;
  before(async () => {
    wine = await WineSession.start();
  });
  after(async () => {
    await wine?.stop();
  });

  test('listenOnSocket() serves on \\\\.\\pipe\\…, a client reaches it, a second server is refused', async () => {
    const script = wine.hostPath('C:\\pipe.mjs');
    writeFileSync(
      script,
      `import { pathToFileURL } from 'node:url';
import { createServer, request } from 'node:http';
const { clearSocketPath, listenOnSocket, removeSocket } = await import(pathToFileURL(process.argv[2] + '\\\\daemon\\\\api\\\\socket.js').href);
const pipe = '\\\\\\\\.\\\\pipe\\\\hostpod-wine-test';
const out = {};
const server = createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ url: req.url })); });
await clearSocketPath(pipe);
await listenOnSocket(server, pipe, undefined);
out.reply = await new Promise((resolve, reject) => {
  const r = request({ socketPath: pipe, path: '/v1/version' }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); });
  r.on('error', reject); r.end();
});
try { await clearSocketPath(pipe); out.second = 'allowed'; } catch (e) { out.second = e.code + ': ' + e.message; }
await removeSocket(pipe, 0);
await new Promise((r) => server.close(r));
await clearSocketPath(pipe);
out.afterClose = 'free';
console.log(JSON.stringify(out));`,
    );
    const r = await wine.runNode(script, [wine.winPath(DIST)]);
    assert.equal(r.exitCode, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    assert.deepEqual(JSON.parse(out.reply ?? '{}'), { url: '/v1/version' });
    assert.match(out.second ?? '', /^AlreadyExists: .*another hostpod daemon is serving on it/);
    assert.equal(out.afterClose, 'free');
  });
});
