/**
 * Runs Windows programs — Windows Node.js with hostpod's compiled JS, or a `.exe` built with
 * mingw — under Wine, for the Windows tests. `scripts/prepare-windows.mjs` (run once per test run
 * by `scripts/run-tests.mjs`) unpacks Windows Node.js, koffi for win32/x64 and a Windows 10 Wine
 * prefix into `.windows/` (or `HOSTPOD_WINDOWS_DIR`); this module reads its `windows.json`.
 *
 * A test starts a {@link WineSession}: a private copy of the prefix (its own `C:` drive, so
 * `C:\hpc\…` of one test is not another's; DLLs hard-linked, registry copied) and one persistent
 * `wineserver -p` for it, stopped — with every Windows process still in it — by `stop()`.
 * stdout/stderr of a Windows program are regular files (Windows Node throws EBADF on a Unix pipe),
 * stdin is /dev/null. Windows Node finds koffi through `NODE_PATH` (load it with
 * `createRequire(import.meta.url)('koffi')`: ESM `import` ignores `NODE_PATH`).
 *
 * Tests skip, saying why, where wine64 or the prepared folder is absent (`wineSkip()`);
 * `HOSTPOD_REQUIRE_WINE=1` (set by `.ci/run`) turns that into a failure.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sleep } from '../sleep.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const DEFAULT_WINE64 = '/usr/lib/wine/wine64';

/** What `scripts/prepare-windows.mjs` made (its `windows.json`). */
export interface WindowsKit {
  /** The cache folder. */
  dir: string;
  nodeVersion: string;
  nodeExe: string;
  /** `node_modules` holding koffi and its win32/x64 binary. */
  koffiModules: string;
  /** The prepared Windows 10 prefix (a template: sessions copy it). */
  prefix: string;
  wine64: string;
  wineserver: string;
}

/** The cache folder of the Windows tools: `HOSTPOD_WINDOWS_DIR`, else `.windows/` in the checkout. */
export function windowsDir(): string {
  return resolve(process.env.HOSTPOD_WINDOWS_DIR || join(REPO, '.windows'));
}

/** The prepared kit, or undefined when wine64 or the prepared folder is missing. */
export function windowsKit(): WindowsKit | undefined {
  const dir = windowsDir();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, 'windows.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
  const kit = {
    dir,
    nodeVersion: str('nodeVersion'),
    nodeExe: str('nodeExe'),
    koffiModules: str('koffiModules'),
    prefix: str('prefix'),
    wine64: str('wine64'),
    wineserver: str('wineserver'),
  };
  if (Object.values(kit).some((v) => v === undefined)) return undefined;
  const k = kit as WindowsKit;
  for (const p of [k.nodeExe, k.koffiModules, join(k.prefix, 'system.reg'), k.wine64, k.wineserver])
    if (!existsSync(p)) return undefined;
  return k;
}

/**
 * A `skip` option for `test()`/`describe()`: false when Windows programs can run here, else why
 * not. Throws instead of skipping when `HOSTPOD_REQUIRE_WINE=1`.
 */
export function wineSkip(): string | false {
  let reason: string | false = false;
  const wine64 = process.env.HOSTPOD_WINE64 || DEFAULT_WINE64;
  if (process.platform !== 'linux') reason = 'the Wine tests run on Linux hosts only';
  else if (!existsSync(wine64))
    reason = `needs Wine (${wine64}, Debian's wine64 package) to run Windows programs; .ci/run installs it`;
  else if (windowsKit() === undefined)
    reason = `needs Windows Node.js and a Wine prefix in ${windowsDir()}: run node scripts/prepare-windows.mjs`;
  if (reason && process.env.HOSTPOD_REQUIRE_WINE === '1')
    throw new Error(`HOSTPOD_REQUIRE_WINE=1: ${reason}`);
  return reason;
}

/** True when Windows programs can run here (see {@link wineSkip}). */
export function wineAvailable(): boolean {
  return wineSkip() === false;
}

/** How a Windows program ended (a flat record: see execa). */
export interface WindowsResult {
  /** The exit code, or null when the Wine process was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** The files stdout and stderr went to. */
  stdoutPath: string;
  stderrPath: string;
}

export interface WindowsRunOptions {
  /** Working directory, a Linux path (Wine maps it to the matching Windows drive). */
  cwd?: string;
  /** Added to the environment (Wine passes the Unix environment to the Windows program). */
  env?: Record<string, string>;
  /** Killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

/** A Windows program running in the background. */
export interface WindowsProcess {
  /** The Linux pid of the Wine process (the Windows program's own process). */
  pid: number;
  stdoutPath: string;
  stderrPath: string;
  /** Settles when it exits (or is killed at the timeout). */
  exited: Promise<WindowsResult>;
  /** Sends a Unix signal to the Wine process. */
  kill(signal?: NodeJS.Signals): void;
}

/** One private Wine prefix with its own persistent wineserver. */
export class WineSession {
  readonly kit: WindowsKit;
  /** The private prefix (a Linux path). */
  readonly prefix: string;
  /** The Linux folder that is `C:\` in this session. */
  readonly driveC: string;
  /** Where stdout/stderr files of the programs go. */
  readonly outDir: string;
  private server: ChildProcess | undefined;
  private serverExit: Promise<void> | undefined;
  private seq = 0;
  private readonly running = new Set<ChildProcess>();
  private readonly results = new Set<Promise<unknown>>();

  private constructor(kit: WindowsKit, prefix: string) {
    this.kit = kit;
    this.prefix = prefix;
    this.driveC = join(prefix, 'drive_c');
    this.outDir = join(prefix, 'hostpod-test-output');
  }

  /** Copies the prepared prefix and starts its `wineserver -p`. Throws when {@link wineSkip} says why not. */
  static async start(): Promise<WineSession> {
    const why = wineSkip();
    if (why) throw new Error(`cannot start Wine: ${why}`);
    const kit = windowsKit() as WindowsKit;
    const base = join(kit.dir, 'sessions');
    mkdirSync(base, { recursive: true });
    const prefix = join(base, `s-${process.pid}-${randomBytes(4).toString('hex')}`);
    const session = new WineSession(kit, prefix);
    try {
      await copyPrefix(kit.prefix, prefix);
      mkdirSync(session.outDir, { recursive: true });
      await session.startServer();
    } catch (e) {
      await session.stop();
      throw e;
    }
    return session;
  }

  /** The environment a Windows program of this session runs with. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      WINEPREFIX: this.prefix,
      WINEDEBUG: '-all',
      WINEDLLOVERRIDES: 'mscoree,mshtml=',
      NODE_PATH: this.winPath(this.kit.koffiModules),
      ...extra,
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    return env;
  }

  /** The Windows path of a Linux path: `C:\…` inside this session's drive C, else `Z:\…`. */
  winPath(linuxPath: string): string {
    const p = resolve(linuxPath);
    if (p === this.driveC) return 'C:\\';
    if (p.startsWith(`${this.driveC}/`))
      return `C:\\${p.slice(this.driveC.length + 1).replaceAll('/', '\\')}`;
    return `Z:${p.replaceAll('/', '\\')}`;
  }

  /** The Linux path of a `C:\…` or `Z:\…` path of this session. */
  hostPath(windowsPath: string): string {
    const m = /^([A-Za-z]):[\\/]?(.*)$/.exec(windowsPath);
    if (!m) throw new Error(`not a drive path: ${windowsPath}`);
    const rest = (m[2] ?? '').replaceAll('\\', '/');
    const drive = (m[1] ?? '').toUpperCase();
    if (drive === 'C') return join(this.driveC, rest);
    if (drive === 'Z') return `/${rest}`;
    throw new Error(`drive ${drive}: is not mapped in a hostpod Wine session`);
  }

  /** Starts a Windows program (a path to an `.exe`, Linux or Windows form) in the background. */
  spawnExe(exe: string, args: readonly string[], opts: WindowsRunOptions = {}): WindowsProcess {
    if (!this.server) throw new Error('the Wine session is stopped');
    const n = ++this.seq;
    const stdoutPath = join(this.outDir, `${n}.stdout`);
    const stderrPath = join(this.outDir, `${n}.stderr`);
    const out = openSync(stdoutPath, 'w');
    const err = openSync(stderrPath, 'w');
    const t0 = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(this.kit.wine64, [exe, ...args], {
        cwd: opts.cwd ?? this.driveC,
        env: this.env(opts.env),
        stdio: ['ignore', out, err],
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    this.running.add(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    const exited = new Promise<WindowsResult>((resolveExit, reject) => {
      child.once('error', (e) => {
        clearTimeout(timer);
        this.running.delete(child);
        reject(e);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.running.delete(child);
        void Promise.all([readFile(stdoutPath, 'utf8'), readFile(stderrPath, 'utf8')]).then(
          ([stdout, stderr]) =>
            resolveExit({
              exitCode: code,
              signal,
              timedOut,
              durationMs: Date.now() - t0,
              stdout,
              stderr,
              stdoutPath,
              stderrPath,
            }),
          reject,
        );
      });
    });
    const settled = exited.then(
      () => {},
      () => {},
    );
    this.results.add(settled);
    void settled.then(() => this.results.delete(settled));
    return {
      pid: child.pid ?? -1,
      stdoutPath,
      stderrPath,
      exited,
      kill: (signal = 'SIGTERM') => {
        child.kill(signal);
      },
    };
  }

  /** Runs a Windows program to its end. */
  runExe(exe: string, args: readonly string[], opts: WindowsRunOptions = {}): Promise<WindowsResult> {
    return this.spawnExe(exe, args, opts).exited;
  }

  /** Starts a script (a Linux path, e.g. `dist/cli/main.js`) under Windows Node.js in the background. */
  spawnNode(script: string, args: readonly string[], opts: WindowsRunOptions = {}): WindowsProcess {
    return this.spawnExe(this.kit.nodeExe, [this.winPath(script), ...args], opts);
  }

  /** Runs a script under Windows Node.js to its end. */
  runNode(script: string, args: readonly string[], opts: WindowsRunOptions = {}): Promise<WindowsResult> {
    return this.spawnNode(script, args, opts).exited;
  }

  /** Kills every Windows process of the session, stops its wineserver and removes the prefix. Never throws. */
  async stop(): Promise<void> {
    if (this.server) {
      spawnSync(this.kit.wineserver, ['-k'], { env: this.env(), stdio: 'ignore', timeout: 10_000 });
      const server = this.server;
      this.server = undefined;
      const gone = await Promise.race([this.serverExit?.then(() => true), sleep(5_000).then(() => false)]);
      if (!gone) server.kill('SIGKILL');
    }
    for (const c of this.running) c.kill('SIGKILL');
    // Let the programs' results be read before their output files go with the prefix.
    await Promise.race([Promise.all(this.results), sleep(5_000)]);
    if (process.env.HOSTPOD_KEEP_WINE !== '1') removePrefix(this.prefix);
  }

  private async startServer(): Promise<void> {
    // -f: stay our child (so stop() can wait for it); -p: persist between programs.
    const server = spawn(this.kit.wineserver, ['-f', '-p'], { env: this.env(), stdio: 'ignore' });
    this.server = server;
    this.serverExit = new Promise((r) => server.once('exit', () => r()));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (serverSocket(this.prefix)) return;
      if (server.exitCode !== null) break;
      await sleep(20);
    }
    throw new Error(
      `wineserver for ${this.prefix} did not start (exit ${server.exitCode ?? 'none'} in 15 s)`,
    );
  }
}

let defaultSession: Promise<WineSession> | undefined;

/**
 * Runs `script` (a Linux path to JS) under Windows Node.js with `args`, stdout/stderr to regular
 * files. Uses `opts.session`, else one session for the whole test process, started on first use
 * and stopped when the process exits.
 */
export async function runWindowsNode(
  script: string,
  args: readonly string[],
  opts: WindowsRunOptions & { session?: WineSession } = {},
): Promise<WindowsResult> {
  const session = opts.session ?? (await sharedSession());
  return session.runNode(script, args, opts);
}

/** The test process's shared session (see {@link runWindowsNode}). */
export function sharedSession(): Promise<WineSession> {
  if (!defaultSession) {
    defaultSession = WineSession.start();
    defaultSession.then(
      (s) => {
        process.once('exit', () => {
          spawnSync(s.kit.wineserver, ['-k'], { env: s.env(), stdio: 'ignore', timeout: 10_000 });
          if (process.env.HOSTPOD_KEEP_WINE !== '1') removePrefix(s.prefix);
        });
      },
      () => {},
    );
  }
  return defaultSession;
}

/** The socket of a running wineserver of `prefix` (Debian's Wine: `<prefix>/wineserver` names the /tmp folder). */
function serverSocket(prefix: string): string | undefined {
  let name: string;
  try {
    name = readFileSync(join(prefix, 'wineserver'), 'utf8').trim();
  } catch {
    return undefined;
  }
  const st = statSync(prefix);
  const sock = join(tmpdir(), name, `server-${st.dev.toString(16)}-${st.ino.toString(16)}`, 'socket');
  return existsSync(sock) ? sock : undefined;
}

/** Copies the template prefix: registry files copied (Wine rewrites them), the rest hard-linked. */
async function copyPrefix(from: string, to: string): Promise<void> {
  const r = spawnSync('cp', ['-al', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -al ${from} ${to}: ${r.stderr || r.error?.message}`);
  for (const f of readdirSync(from)) {
    if (!f.endsWith('.reg') && f !== '.update-timestamp') continue;
    rmSync(join(to, f));
    await copyFile(join(from, f), join(to, f));
  }
  rmSync(join(to, 'wineserver'), { force: true });
}

/** Removes a session prefix and the /tmp folder Debian's Wine made for its server. */
function removePrefix(prefix: string): void {
  try {
    const name = readFileSync(join(prefix, 'wineserver'), 'utf8').trim();
    if (/^wine-[A-Za-z0-9]+$/.test(name)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  } catch {}
  rmSync(prefix, { recursive: true, force: true });
}
