import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';
import type { Layout } from '../runtime/spec/types.ts';
import type { ShimArgs } from './shim-args.ts';
import { canConnect } from './unix-socket.ts';

/** Settings from the environment containerd gives its shims (main.ts reads them). */
export interface ShimEnv {
  /** HOSTPOD_CONTAINERD_ROOT: state and sockets (default /run/hostpod/containerd). */
  root: string;
  /** HOSTPOD_CONTAINERD_LAYOUT: bind (default) or symlink. */
  layout: Layout;
  /** TTRPC_ADDRESS: containerd's ttrpc socket for events. */
  ttrpcAddress: string | undefined;
  /** HOSTPOD_CONTAINERD_DEBUG=1: log every call, as -debug does. */
  debug: boolean;
}

/** The one server socket of a containerd (its -address) and namespace. */
export function serverSocket(env: ShimEnv, args: Pick<ShimArgs, 'address' | 'namespace'>): string {
  const h = createHash('sha256')
    .update(`hostpod-v1\0${args.address}\0${args.namespace}`)
    .digest('hex')
    .slice(0, 24);
  return join(env.root, 's', `${h}.sock`);
}

export function nsRoot(env: ShimEnv, namespace: string): string {
  return join(env.root, namespace);
}

/** Writes `<bundle>/address` as runc does (temp + rename); containerd reads it after a restart. */
function writeAddress(bundle: string, address: string): void {
  const tmp = join(bundle, '.address');
  writeFileSync(tmp, address, { mode: 0o600 });
  renameSync(tmp, join(bundle, 'address'));
}

/**
 * `start`: makes sure the namespace's server runs (spawning it detached, stdio on /dev/null so
 * containerd's CombinedOutput returns) and answers its address. Returns the text to print
 * (`unix:///…`, which containerd 1.6 and 1.7 both parse) after writing `<cwd>/address`.
 */
export async function startCommand(
  args: ShimArgs,
  env: ShimEnv,
  self: { node: string; script: string; cwd: string },
): Promise<string> {
  const socket = serverSocket(env, args);
  const address = `unix://${socket}`;
  if (!(await canConnect(socket))) await startServer(args, env, self, socket);
  writeAddress(self.cwd, address);
  return address;
}

/**
 * Spawns the server unless another `start` is doing it (`<socket>.starting`, made with O_EXCL:
 * 20 pods created at once spawn one server, not 20; a lock older than 20 s is a dead starter's),
 * then waits until the socket answers. Throws Unavailable after 10 s.
 */
async function startServer(
  args: ShimArgs,
  env: ShimEnv,
  self: { node: string; script: string },
  socket: string,
): Promise<void> {
  mkdirSync(join(env.root, 's'), { recursive: true, mode: 0o700 });
  const lock = `${socket}.starting`;
  let mine = false;
  for (let attempt = 0; attempt < 2 && !mine; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      mine = true;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age < 20_000) break;
      rmSync(lock, { force: true });
    }
  }
  let exited = false;
  if (mine) {
    const child = spawn(
      self.node,
      [
        self.script,
        '-namespace',
        args.namespace,
        '-address',
        args.address,
        '-publish-binary',
        args.publishBinary,
        ...(args.debug ? ['-debug'] : []),
        'serve',
        '-socket',
        socket,
      ],
      { detached: true, stdio: 'ignore', cwd: '/' },
    );
    child.unref();
    child.once('exit', () => {
      exited = true;
    });
  }
  try {
    for (let i = 0; ; i++) {
      if (await canConnect(socket, 500)) return;
      if ((exited && !(await canConnect(socket))) || i > 500)
        throw new RuntimeError(
          'Unavailable',
          `the hostpod shim server did not come up on ${socket}; see ${join(nsRoot(env, args.namespace), 'shim.log')}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    if (mine) rmSync(lock, { force: true });
  }
}
