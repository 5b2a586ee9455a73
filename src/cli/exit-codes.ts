import type { ErrorCode } from '../errors.ts';

/**
 * The documented exit codes of the `hostpod` command (docs/cli.md). One table, at the edge.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The command ran and found a failure: lint errors, a pod that failed. */
  failure: 1,
  /** Unusable input: bad flags, unreadable file, not YAML, invalid reference. */
  usage: 2,
  /** Something named does not exist (image, pod, container). */
  notFound: 3,
  /** The state does not allow it (already exists, wrong status, host lacks a feature). */
  precondition: 4,
  /** Not permitted (needs root, socket not accessible). */
  permission: 5,
  /** A service or resource is unavailable (registry unreachable, timeout, disk full). */
  unavailable: 6,
  /** A bug or corrupted data in hostpod itself. */
  internal: 7,
  /** `exec`: the command was found but cannot be executed (docker's and podman's 126). */
  cannotExecute: 126,
  /** `exec`: the command was not found in the container (docker's and podman's 127). */
  commandNotFound: 127,
  /** Interrupted by the user (Ctrl-C) before finishing. */
  interrupted: 130,
} as const;

/** Maps an error code to the CLI exit code (docs/cli.md). */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'InvalidArgument':
      return EXIT.usage;
    case 'NotFound':
      return EXIT.notFound;
    case 'AlreadyExists':
    case 'FailedPrecondition':
    case 'NotImplemented':
      return EXIT.precondition;
    case 'PermissionDenied':
      return EXIT.permission;
    case 'Unavailable':
    case 'ResourceExhausted':
    case 'DeadlineExceeded':
      return EXIT.unavailable;
    case 'Canceled':
      return EXIT.interrupted;
    case 'DataLoss':
    case 'Internal':
      return EXIT.internal;
  }
}

/** One documented exit code of a command and what it means there. */
export type ExitCodeDoc = readonly [code: number, meaning: string];

const DAEMON_CLIENT: readonly ExitCodeDoc[] = [
  [EXIT.permission, 'the daemon socket is not accessible'],
  [EXIT.unavailable, 'no daemon answers on the socket'],
];

/**
 * Every exit code each command can return, listed under "Exit codes:" in its `--help` (the key
 * is the command path: `apply`, `image save`). A command not listed here shows `EXIT_CODES_ANY`.
 */
export const COMMAND_EXIT_CODES: Readonly<Record<string, readonly ExitCodeDoc[]>> = {
  lint: [
    [EXIT.ok, 'no error'],
    [EXIT.failure, 'errors found (an unknown field under --validate=strict, or denied by --pod-security)'],
    [EXIT.usage, 'unusable input (unreadable file, not YAML, bad flag)'],
  ],
  run: [
    [EXIT.ok, 'every pod succeeded'],
    [EXIT.failure, 'a pod failed'],
    [EXIT.usage, 'invalid manifests (an unknown field under --validate=strict) or flags, or no -f'],
    [EXIT.notFound, 'an image was not found'],
    [EXIT.precondition, 'the pod cannot run here (not HostProcess, node selection, image OS)'],
    [EXIT.permission, 'not root'],
    [EXIT.unavailable, 'a registry is unreachable'],
    [EXIT.interrupted, 'interrupted (Ctrl-C)'],
  ],
  exec: [
    [EXIT.ok, "the command's own exit code is returned (128+n when signal n ended it)"],
    [EXIT.usage, 'bad flags'],
    [EXIT.notFound, 'no such pod or container'],
    [EXIT.precondition, 'the container is not running'],
    [
      EXIT.cannotExecute,
      'the command cannot be executed (not executable, a directory, not a program for this host)',
    ],
    [EXIT.commandNotFound, "the command is not found (the container's working directory, then its PATH)"],
    ...DAEMON_CLIENT,
  ],
  ps: [
    [EXIT.ok, 'listed'],
    [EXIT.usage, 'bad flags'],
    [EXIT.permission, 'the state root or socket is not readable (not root)'],
    [EXIT.unavailable, 'the daemon (--socket) does not answer'],
  ],
  inspect: [
    [EXIT.ok, 'shown'],
    [EXIT.usage, 'an ambiguous prefix (the matches are listed) or bad flags'],
    [EXIT.notFound, 'no such container'],
    [EXIT.permission, 'the state root or socket is not readable (not root)'],
    [EXIT.unavailable, 'the daemon (--socket) does not answer'],
  ],
  rollout: [
    [EXIT.ok, 'help shown'],
    [EXIT.usage, 'no such rollout subcommand'],
  ],
  'rollout restart': [
    [EXIT.ok, 'restarted'],
    [EXIT.usage, 'bad arguments'],
    [EXIT.notFound, 'no such workload'],
    [EXIT.precondition, 'a kind that cannot be restarted (job, cronjob, replicaset)'],
    ...DAEMON_CLIENT,
  ],
  pull: [
    [EXIT.ok, 'pulled'],
    [EXIT.usage, 'bad reference, flag or hosts.toml'],
    [EXIT.notFound, 'no such image, tag or platform'],
    [EXIT.permission, 'credentials refused or missing'],
    [EXIT.unavailable, 'registry unreachable or failing'],
    [EXIT.internal, 'the registry sent bytes that do not match their digest'],
  ],
  push: [
    [EXIT.ok, 'pushed'],
    [EXIT.usage, 'bad reference or flag, an unnamed image without DESTINATION'],
    [EXIT.notFound, 'no such image'],
    [EXIT.precondition, 'no host may push'],
    [EXIT.permission, 'credentials refused or missing'],
    [EXIT.unavailable, 'registry unreachable or failing'],
    [EXIT.internal, 'the registry stored other bytes than were sent'],
  ],
  images: [
    [EXIT.ok, 'listed'],
    [EXIT.usage, 'bad flags'],
    [EXIT.internal, 'the image store is damaged'],
  ],
  image: [
    [EXIT.ok, 'help shown'],
    [EXIT.usage, 'no such image subcommand'],
  ],
  'image import': [
    [EXIT.ok, 'imported'],
    [EXIT.usage, 'unreadable or invalid archive or layout, bad name or flag'],
    [EXIT.notFound, 'no such file, or no image of the platform in it'],
    [EXIT.internal, 'a blob does not match its digest'],
  ],
  'image save': [
    [EXIT.ok, 'saved'],
    [EXIT.usage, 'no image named, bad format, stdout is a terminal'],
    [EXIT.notFound, 'no such image'],
    [EXIT.internal, 'a stored layer does not match its diffID'],
  ],
  'image build': [
    [EXIT.ok, 'built'],
    [EXIT.usage, 'bad flags or build file'],
    [EXIT.notFound, 'a file or base image was not found'],
    [EXIT.unavailable, 'a registry is unreachable'],
  ],
  'image inspect': [
    [EXIT.ok, 'shown'],
    [EXIT.usage, 'bad reference or flag'],
    [EXIT.notFound, 'no such image'],
  ],
  'image prune': [
    [EXIT.ok, 'pruned (also when there was nothing to prune)'],
    [EXIT.usage, 'bad flags'],
    [EXIT.internal, 'the image store is damaged'],
  ],
  rmi: [
    [EXIT.ok, 'removed'],
    [EXIT.usage, 'bad reference or flag'],
    [EXIT.notFound, 'a name was not found (the others are removed)'],
    [EXIT.precondition, 'the image is used by a pod or a running container'],
  ],
  daemon: [
    [EXIT.ok, 'stopped by a signal'],
    [EXIT.usage, 'bad configuration (every bad key is listed)'],
    [EXIT.precondition, 'another daemon uses the root, or the state database is newer'],
    [EXIT.permission, 'not root'],
    [EXIT.internal, 'the state database is damaged'],
  ],
  apply: [
    [EXIT.ok, 'applied (or, with --dry-run, checked)'],
    [EXIT.usage, 'invalid manifests (an unknown field under --validate=strict, a name defined twice)'],
    [EXIT.precondition, 'the daemon refused (node selection, a static pod of that name, …)'],
    ...DAEMON_CLIENT,
  ],
  get: [
    [EXIT.ok, 'listed'],
    [EXIT.usage, 'bad flags, type, selector or template'],
    [EXIT.notFound, 'a named object does not exist'],
    ...DAEMON_CLIENT,
  ],
  describe: [
    [EXIT.ok, 'shown'],
    [EXIT.usage, 'bad type, selector or flags'],
    [EXIT.notFound, 'no such object'],
    ...DAEMON_CLIENT,
  ],
  logs: [
    [EXIT.ok, 'shown (also after Ctrl-C with -f)'],
    [EXIT.usage, 'bad flags'],
    [EXIT.notFound, 'no such pod, workload, container or previous run'],
    ...DAEMON_CLIENT,
  ],
  delete: [
    [EXIT.ok, 'deleted'],
    [EXIT.usage, 'bad input'],
    [EXIT.notFound, 'no such object'],
    [EXIT.precondition, 'a static pod (change its file instead)'],
    ...DAEMON_CLIENT,
  ],
  top: [[EXIT.ok, 'shown'], [EXIT.usage, 'bad flags'], ...DAEMON_CLIENT],
  events: [[EXIT.ok, 'listed (also after Ctrl-C with -w)'], [EXIT.usage, 'bad flags'], ...DAEMON_CLIENT],
  install: [
    [EXIT.ok, 'printed or written'],
    [EXIT.usage, 'bad flags'],
  ],
  'install containerd-runtime': [
    [EXIT.ok, 'printed or written'],
    [EXIT.usage, 'bad flags (an empty --write)'],
    [EXIT.permission, 'the directory of --write is not writable'],
    [EXIT.internal, 'the files could not be written'],
  ],
  completion: [
    [EXIT.ok, 'the script was printed'],
    [EXIT.usage, 'unknown shell'],
  ],
};

/** The exit codes of a command not in `COMMAND_EXIT_CODES` (and of `hostpod` itself): all of them. */
export const EXIT_CODES_ANY: readonly ExitCodeDoc[] = [
  [EXIT.ok, 'ok'],
  [EXIT.failure, 'a failure was found (lint errors, a pod failed)'],
  [EXIT.usage, 'bad input (flags, files, manifests)'],
  [EXIT.notFound, 'something named does not exist'],
  [EXIT.precondition, 'the state does not allow it'],
  [EXIT.permission, 'not permitted (not root, socket not accessible)'],
  [EXIT.unavailable, 'unavailable (no daemon, registry unreachable)'],
  [EXIT.internal, 'a bug or damaged data in hostpod'],
  [EXIT.interrupted, 'interrupted (Ctrl-C)'],
];
