/**
 * hostPath volumes: the kubelet's type check (`checkTypeInternal`), creating what
 * `DirectoryOrCreate` and `FileOrCreate` ask for, and the HostProcess rule that a socket, FIFO
 * or named pipe is never a mount source (the container shares the host: it uses the path
 * directly).
 */
import type { Stats } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { HOST_PATH_TYPES } from '../../api/validate-pod.ts';
import { errnoCode, RuntimeError } from '../../errors.ts';

const SOCKET_REFUSED =
  'unix socket mounts not supported for job containers - interact with the socket directly';
const FIFO_REFUSED =
  'named pipe (FIFO) mounts not supported for job containers - interact with the pipe directly';
const PIPE_REFUSED = 'named pipe mounts not supported for job containers - interact with the pipe directly';

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function failed(message: string, hint?: string): RuntimeError {
  return new RuntimeError('FailedPrecondition', message, hint ? { hint } : {});
}

/**
 * Checks (and for the `…OrCreate` types creates) the host path of a hostPath volume and
 * returns it. Throws FailedPrecondition: `hostPath type check failed: /x is not a directory`
 * (and `… is not a file`, `… is not a socket file`, `… is not a character device`,
 * `… is not a block device`) as the kubelet does, `unix socket mounts not supported for job
 * containers - interact with the socket directly` for a socket source whatever the type (and
 * its FIFO and `\\.\pipe\` analogues), InvalidArgument for a relative path or unknown type.
 */
export async function prepareHostPath(path: string, type: string): Promise<string> {
  if (path.startsWith('\\\\.\\pipe\\')) throw failed(PIPE_REFUSED, pipeHint(path));
  if (!path.startsWith('/') || path.includes('\0'))
    throw new RuntimeError('InvalidArgument', `hostPath "${path}" is not an absolute path on this host`);
  if (!HOST_PATH_TYPES.includes(type))
    throw new RuntimeError('InvalidArgument', `${type} is an invalid volume type`);
  let st = await statOrUndefined(path);
  // An unset type: containerd's CRI plugin makes a missing source a directory (0755).
  if (st === undefined && (type === 'DirectoryOrCreate' || type === '')) {
    await mkdir(path, { recursive: true, mode: 0o755 });
    st = await statOrUndefined(path);
  } else if (st === undefined && type === 'FileOrCreate') {
    // The kubelet creates the file, not its parents.
    try {
      const fh = await open(path, 'a', 0o644);
      await fh.close();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT')
        throw failed(
          `hostPath type check failed: cannot create ${path}: its parent directory does not exist`,
        );
      throw err;
    }
    st = await statOrUndefined(path);
  }
  switch (type) {
    case 'DirectoryOrCreate':
    case 'Directory':
      if (!st?.isDirectory()) throw failed(`hostPath type check failed: ${path} is not a directory`);
      break;
    case 'FileOrCreate':
    case 'File':
      if (!st?.isFile()) throw failed(`hostPath type check failed: ${path} is not a file`);
      break;
    case 'Socket':
      if (!st?.isSocket()) throw failed(`hostPath type check failed: ${path} is not a socket file`);
      break;
    case 'CharDevice':
      if (!st?.isCharacterDevice())
        throw failed(`hostPath type check failed: ${path} is not a character device`);
      break;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw failed(`hostPath type check failed: ${path} is not a block device`);
      break;
    default:
      break;
  }
  if (st?.isSocket()) throw failed(SOCKET_REFUSED, pipeHint(path));
  if (st?.isFIFO()) throw failed(FIFO_REFUSED, pipeHint(path));
  if (st === undefined) throw failed(`hostPath ${path} does not exist`);
  return path;
}

function pipeHint(path: string): string {
  return `a HostProcess container shares the host's filesystem: remove the volume and use "${path}" directly`;
}
