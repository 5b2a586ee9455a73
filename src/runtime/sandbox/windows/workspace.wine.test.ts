/**
 * The Windows workspace and process rules under Windows Node.js in Wine, from the compiled
 * `dist/` (build first: `npm run build`): a copy of the image at `C:\hpc\<id>\` (bind layout) or
 * `C:\C\<id>\` (symlink layout), volume links, whiteouts, removal that never follows a link, and
 * the process config (tokens, PATHEXT, working dir, "failed to find executable").
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WineSession, wineSkip } from '../../../lib/testing/wine.ts';

const DIST = resolve(import.meta.dirname, '../../../../dist');
const skip =
  wineSkip() ||
  (existsSync(join(DIST, 'runtime', 'platform.win32.js')) ? false : 'needs dist/: run npm run build');

/** Runs `body` (an async function body with `p` = the Windows platform, `args` = JSON) under Windows Node. */
const PROBE = `
import { pathToFileURL } from 'node:url';
const dist = process.argv[2];
const { hostPlatform } = await import(pathToFileURL(dist + '\\\\runtime\\\\platform.js').href);
const p = await hostPlatform();
const args = JSON.parse(process.argv[3]);
const out = {};
const code = async (fn) => { try { return await fn(); } catch (e) { return e.code + ': ' + e.message; } };
const body = new Function('p', 'args', 'out', 'code', 'return (async () => {' + args.body + '})()');
await body(p, args, out, code);
console.log(JSON.stringify(out));
`;

describe('the Windows workspace and process config (Windows Node.js under Wine)', { skip }, () => {
  let wine: WineSession;
  let probe: string;
  before(async () => {
    wine = await WineSession.start();
    probe = wine.hostPath('C:\\probe.mjs');
    writeFileSync(probe, PROBE);
  });
  after(async () => {
    await wine?.stop();
  });

  async function run(body: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const r = await wine.runNode(probe, [wine.winPath(DIST), JSON.stringify({ body, ...extra })]);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  test('createSandbox() copies the layers to C:\\hpc\\<id>\\; AlreadyExists; removeSandbox() is idempotent', async () => {
    // Two layers: the second deletes a file of the first (tar-style whiteout) and adds a .cmd.
    const l1 = wine.hostPath('C:\\layers\\l1');
    const l2 = wine.hostPath('C:\\layers\\l2');
    mkdirSync(join(l1, 'bin'), { recursive: true });
    mkdirSync(join(l2, 'bin'), { recursive: true });
    writeFileSync(join(l1, 'bin', 'gone.txt'), 'x');
    writeFileSync(join(l1, 'bin', 'keep.txt'), 'kept');
    writeFileSync(join(l2, 'bin', '.wh.gone.txt'), '');
    writeFileSync(join(l2, 'bin', 'hello.cmd'), '@echo hello %1\r\n');
    const out = await run(
      `const s = await p.createSandbox({ root: 'C:\\\\state', id: 'c1', layers: ['C:\\\\layers\\\\l1', 'C:\\\\layers\\\\l2'], layout: 'bind', mounts: [] });
       out.mountPoint = s.mountPoint; out.workspace = s.workspace;
       const fs = await import('node:fs');
       out.kept = fs.readFileSync('C:\\\\hpc\\\\c1\\\\bin\\\\keep.txt', 'utf8');
       out.again = await code(() => p.createSandbox({ root: 'C:\\\\state', id: 'c1', layers: [], layout: 'bind', mounts: [] }));
       await p.removeSandbox({ root: 'C:\\\\state', id: 'c1' });
       await p.removeSandbox({ root: 'C:\\\\state', id: 'c1' });`,
    );
    assert.equal(out.mountPoint, 'C:\\hpc\\c1\\');
    assert.equal(out.workspace, 'C:\\hpc\\c1');
    assert.equal(out.kept, 'kept');
    assert.match(String(out.again), /^AlreadyExists: /);
    assert.equal(existsSync(wine.hostPath('C:\\hpc\\c1')), false, 'the workspace is gone');
    assert.equal(existsSync(wine.hostPath('C:\\state\\sandboxes\\c1')), false, 'the record is gone');
  });

  test('a volume link Wine cannot make fails the start ("failed to setup mount for job container"), leaving nothing', async () => {
    const vol = wine.hostPath('C:\\data\\vol');
    mkdirSync(vol, { recursive: true });
    writeFileSync(join(vol, 'v.txt'), 'volume');
    const out = await run(
      `out.err = await code(() => p.createSandbox({ root: 'C:\\\\state', id: 'c3', layers: ['C:\\\\layers\\\\l1'], layout: 'bind',
         mounts: [{ hostPath: 'C:\\\\data\\\\vol', mountPath: 'C:\\\\etc\\\\app', readOnly: false }] }));`,
    );
    // Wine 8's CreateSymbolicLinkW is a stub that reports success: the check after it catches it.
    assert.match(
      String(out.err),
      /^Internal: failed to setup mount for job container: C:\\data\\vol at C:\\hpc\\c3\\etc\\app/,
    );
    assert.equal(existsSync(wine.hostPath('C:\\hpc\\c3')), false, 'no workspace left');
    assert.equal(readFileSync(join(vol, 'v.txt'), 'utf8'), 'volume', 'the volume is untouched');
  });

  test('the workspace holds the image (whiteouts applied); symlink layout at C:\\C\\<id>\\', async () => {
    const out = await run(
      `const s = await p.createSandbox({ root: 'C:\\\\state', id: 'c2', layers: ['C:\\\\layers\\\\l1', 'C:\\\\layers\\\\l2'], layout: 'symlink', mounts: [] });
       const fs = await import('node:fs');
       out.mountPoint = s.mountPoint;
       out.files = fs.readdirSync('C:\\\\C\\\\c2\\\\bin').sort();`,
    );
    assert.equal(out.mountPoint, 'C:\\C\\c2\\');
    assert.deepEqual(out.files, ['hello.cmd', 'keep.txt']);
  });

  test('buildProcessConfig(): tokens, .cmd via cmd.exe, working dir under the workspace, failed to find executable', async () => {
    const out = await run(
      `const base = { name: 'main', id: 'c2', args: [], env: [{ name: 'GREETING', value: '%CONTAINER_SANDBOX_MOUNT_POINT%\\\\greet' }], annotations: {}, mounts: [] };
       const opts = { layout: 'symlink', mountPoint: 'C:\\\\C\\\\c2\\\\', baseEnv: p.accountBaseEnv({}), probe: () => 'missing' };
       const pc = await p.buildProcessConfig({ ...base, command: ['$env:CONTAINER_SANDBOX_MOUNT_POINT\\\\bin\\\\hello.cmd', 'x y'] }, {}, opts);
       out.pc = pc;
       out.missing = await code(() => p.buildProcessConfig({ ...base, command: ['nothing-here'] }, {}, opts));`,
    );
    const pc = out.pc as {
      executable: string;
      argv: string[];
      env: { name: string; value: string }[];
      cwd: string;
    };
    assert.match(pc.executable, /\\cmd\.exe$/i);
    assert.ok(
      pc.argv.some((a) => a.includes('C:\\C\\c2\\bin\\hello.cmd')),
      JSON.stringify(pc.argv),
    );
    assert.equal(pc.cwd, 'C:\\C\\c2\\');
    const env = Object.fromEntries(pc.env.map((e) => [e.name, e.value]));
    assert.equal(env.CONTAINER_SANDBOX_MOUNT_POINT, 'C:\\C\\c2\\');
    assert.equal(env.GREETING, 'C:\\C\\c2\\greet');
    assert.match(String(out.missing), /failed to find executable "nothing-here"/);
  });
});
