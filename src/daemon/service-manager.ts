/**
 * What the daemon tells and asks the service manager (systemd): readiness and stopping through
 * the `sd_notify` protocol (`Type=notify`), and whether a stop is a system shutdown (stop the
 * pods gracefully) or a restart of the daemon alone (keep them running). docs/node-service.md.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from '../errors.ts';

const NOTIFY_HELPER = fileURLToPath(new URL('../../native/build/hostpod-notify', import.meta.url));

export interface NotifyOptions {
  /** `$NOTIFY_SOCKET` as the service manager set it (absent: not started with `Type=notify`). */
  socket: string | undefined;
  /** The process the message speaks for: the daemon (the unit's main process). */
  pid: number;
  /** The `hostpod-notify` binary (default: the one built in `native/build/`). */
  helper?: string;
}

/**
 * Sends one `sd_notify` message (`READY=1`, `STOPPING=1`, `STATUS=…`, `EXTEND_TIMEOUT_USEC=…`)
 * for `pid`, through `hostpod-notify` (Node.js has no unix datagram sockets): a path or an
 * `@abstract` socket, credentials naming `pid` so `NotifyAccess=main` accepts it. Resolves false
 * without a socket (not run by systemd, or not `Type=notify`), true once sent. Throws
 * `InvalidArgument` for a socket name that is neither an absolute path nor `@name` or a message
 * with a NUL byte, `Unavailable` when it cannot be sent (nobody listens, no helper built).
 */
export async function sdNotify(message: string, options: NotifyOptions): Promise<boolean> {
  const { socket } = options;
  if (socket === undefined || socket === '') return false;
  if (!/^[/@]./.test(socket) || socket.includes('\0')) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot notify the service manager: NOTIFY_SOCKET "${socket}" is not an absolute path or @name`,
    );
  }
  if (message.includes('\0') || message === '') {
    throw new RuntimeError(
      'InvalidArgument',
      'Cannot notify the service manager: an empty message or one with a NUL byte',
    );
  }
  const helper = options.helper ?? NOTIFY_HELPER;
  await new Promise<void>((resolve, reject) => {
    execFile(
      helper,
      [String(options.pid), message],
      { env: { NOTIFY_SOCKET: socket }, timeout: 5000 },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const why = stderr.trim() || err.message;
        reject(
          new RuntimeError(
            'Unavailable',
            `Cannot notify the service manager (${message.split('\n')[0]}): ${why}`,
            {
              hint: 'check that native/build/hostpod-notify is built (npm run build:native) and that the unit is Type=notify',
              cause: err,
            },
          ),
        );
      },
    );
  });
  return true;
}

/**
 * systemd's state of the whole system (`systemctl is-system-running`: `running`, `degraded`,
 * `stopping`, …), or undefined when it cannot be told (no systemd, no answer within `timeoutMs`).
 * `stopping` means a shutdown, reboot, halt or kexec is under way: its job for `shutdown.target`
 * is queued, so every unit stopped now is stopped because the system goes down.
 */
export async function systemState(
  options: { systemctl?: string; timeoutMs?: number } = {},
): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      options.systemctl ?? 'systemctl',
      ['is-system-running'],
      { timeout: options.timeoutMs ?? 5000 },
      // It exits non-zero for every state but "running": the state is on stdout either way.
      (err, stdout) => {
        const state = stdout.trim().split('\n')[0] ?? '';
        resolve(
          /^[a-z-]+$/.test(state) && !(err && (err as { killed?: boolean }).killed) ? state : undefined,
        );
      },
    );
  });
}

/** Whether a stop of the daemon in system state `state` is a system shutdown: its pods are stopped. */
export function isShutdown(state: string | undefined): boolean {
  return state === 'stopping';
}
