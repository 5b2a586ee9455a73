/**
 * The API's unix socket file: a stale one (nothing answers) is replaced, a live one means another
 * daemon runs. The socket is bound inside a private directory, given its mode and owner there,
 * and only then renamed into place, so it is never reachable with looser permissions.
 */
import { chmod, chown, lstat, mkdir, mkdtemp, rename, rmdir, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';

/**
 * True for a Windows named pipe path (`\\.\pipe\hostpod`): the API's endpoint on Windows. A pipe
 * has no file, mode or owner to set: it is created by `listen` and gone with the server.
 */
export function isNamedPipe(path: string): boolean {
  return /^\\\\[.?]\\pipe\\[^\\]+/i.test(path);
}

/** True when something accepts a connection on the unix socket (or named pipe) at `path`. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(true); // a listener that does not accept in time is still a listener
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve(true);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      resolve(errnoCode(e) !== 'ECONNREFUSED' && errnoCode(e) !== 'ENOENT');
    });
  });
}

/**
 * Makes room for the socket at `path`: creates its parent (0755), removes a stale socket.
 * Throws `AlreadyExists` when a daemon answers there or the path is not a socket.
 */
export async function clearSocketPath(path: string): Promise<void> {
  if (isNamedPipe(path)) {
    if (await socketAnswers(path))
      throw new RuntimeError(
        'AlreadyExists',
        `Cannot serve the API at ${path}: another hostpod daemon is serving on it`,
        {
          hint: 'stop the other daemon first, or give another --socket pipe name',
        },
      );
    return;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw new RuntimeError('Internal', `Cannot check the API socket ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!st.isSocket()) {
    throw new RuntimeError(
      'AlreadyExists',
      `Cannot serve the API at ${path}: a file that is not a socket is there`,
      {
        hint: 'remove it, or give another --socket path',
      },
    );
  }
  if (await socketAnswers(path)) {
    throw new RuntimeError(
      'AlreadyExists',
      `Cannot serve the API at ${path}: another hostpod daemon is serving on it`,
      {
        hint: 'stop the other daemon first (systemctl stop hostpod), or give another --socket path',
      },
    );
  }
  await unlink(path).catch((e: unknown) => {
    if (errnoCode(e) !== 'ENOENT') throw e;
  });
}

/**
 * Binds `server` at `path`: 0600 (root only), or 0660 with group `group`. Returns the socket's
 * inode, so that closing removes the file only while it is still this server's.
 */
export async function listenOnSocket(
  server: Server,
  path: string,
  group: number | undefined,
): Promise<number> {
  if (isNamedPipe(path)) {
    // The pipe's default security: full access for SYSTEM, Administrators and its creator.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return 0;
  }
  const dir = dirname(path);
  const tmpDir = await mkdtemp(join(dir, `.${basename(path)}-`));
  try {
    await chmod(tmpDir, 0o700);
    const tmp = join(tmpDir, 's');
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen({ path: tmp }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    if (group !== undefined) {
      await chown(tmp, -1, group);
      await chmod(tmp, 0o660);
    } else {
      await chmod(tmp, 0o600);
    }
    await rename(tmp, path);
    return (await lstat(path)).ino;
  } finally {
    await rmdir(tmpDir).catch(() => {});
  }
}

/** Removes the socket file if it is still the one with inode `ino`. */
export async function removeSocket(path: string, ino: number): Promise<void> {
  if (isNamedPipe(path)) return;
  try {
    if ((await lstat(path)).ino === ino) await unlink(path);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
}
