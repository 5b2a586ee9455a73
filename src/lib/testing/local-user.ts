/**
 * A throw-away unprivileged local user for attack tests: made with useradd (no home, no login
 * shell, no extra groups), used through setpriv (util-linux), removed with userdel. Needs root.
 */
import { execFileSync, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface LocalUser {
  name: string;
  uid: number;
  gid: number;
  /** Runs `argv` as this user (real, effective and saved ids; no supplementary groups; no capabilities). */
  run(argv: readonly string[], opts?: { input?: string }): SpawnSyncReturns<string>;
  /** Deletes the user and its group (idempotent). */
  remove(): void;
}

/** Creates a user named `hpt-<random>` (lowercase letters only, as group names may need). */
export function createLocalUser(): LocalUser {
  const name = `hpt-${randomBytes(5)
    .toString('hex')
    .replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!)}`;
  execFileSync(
    'useradd',
    ['--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name],
    {
      stdio: 'ignore',
    },
  );
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  let removed = false;
  return {
    name,
    uid,
    gid,
    run: (argv, opts = {}) =>
      // Through sh: setpriv itself still holds root's capabilities when it execs, so its own
      // path lookup is not a user's; sh starts with none, as a login shell would.
      spawnSync(
        'setpriv',
        [
          `--reuid=${uid}`,
          `--regid=${gid}`,
          '--clear-groups',
          '--',
          '/bin/sh',
          '-c',
          'exec "$@"',
          'sh',
          ...argv,
        ],
        {
          encoding: 'utf8',
          timeout: 30_000,
          ...(opts.input !== undefined ? { input: opts.input } : {}),
        },
      ),
    remove: () => {
      if (removed) return;
      removed = true;
      spawnSync('userdel', [name], { stdio: 'ignore' });
    },
  };
}
