/**
 * What the commands that talk to the daemon share: the `--socket` and namespace flags, the client
 * (loaded lazily, so `hostpod lint` never pays for it), and Ctrl-C as an AbortSignal.
 */
import { type Command, Option } from 'commander';
import type { DaemonClient } from '../../client/client.ts';
import { RuntimeError } from '../../errors.ts';
import type { CliContext } from '../io.ts';

export interface SocketFlags {
  socket?: string;
}

export interface NamespaceFlags {
  namespace?: string;
  allNamespaces?: boolean;
}

const SOCKET_HELP = "the daemon's API socket (default $HOSTPOD_SOCKET or /run/hostpod/hostpod.sock)";

/** Adds `--socket PATH`. */
export function socketOption(cmd: Command): Command {
  return cmd.option('--socket <path>', SOCKET_HELP);
}

/** `--root DIR` of a command that works with or without a daemon (`daemonIfRunning`). */
export function rootOption(what = 'state root'): Option {
  return new Option(
    '--root <dir>',
    `${what} (default: the daemon's when one runs, else $HOSTPOD_ROOT or /var/lib/hostpod)`,
  );
}

/** `--socket PATH` as an option object (for `addOption`). */
export function socketFlag(): Option {
  return new Option('--socket <path>', SOCKET_HELP);
}

/** Adds `-n, --namespace NS` (default `default`) and, when `all`, `-A, --all-namespaces`. */
export function namespaceOptions(cmd: Command, all: boolean): Command {
  cmd.option('-n, --namespace <ns>', 'the namespace (default "default")');
  if (all) cmd.option('-A, --all-namespaces', 'every namespace');
  return cmd;
}

/** The namespace filter: undefined for `-A`, else `-n` or `default`. */
export function namespaceOf(flags: NamespaceFlags): string | undefined {
  if (flags.allNamespaces) {
    if (flags.namespace) throw new RuntimeError('InvalidArgument', 'give -n or -A, not both');
    return undefined;
  }
  return flags.namespace ?? 'default';
}

/** A client for `--socket`, `$HOSTPOD_SOCKET` or the default socket. */
export async function daemonClient(flags: SocketFlags, ctx: CliContext): Promise<DaemonClient> {
  const { DaemonClient, resolveSocket } = await import('../../client/client.ts');
  return new DaemonClient({ socketPath: resolveSocket(flags.socket, ctx.env) });
}

/** An AbortSignal that Ctrl-C aborts; `dispose()` unsubscribes. */
export function interruptSignal(ctx: CliContext): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const off = ctx.onInterrupt?.(() => ac.abort());
  return { signal: ac.signal, dispose: () => off?.() };
}

/** `-o` choices of get-like commands. */
export function outputOption(choices: string[]): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices);
}

/** `pod/NAME`, `pods NAME`, `po NAME`: splits the resource type from names, kubectl style. */
export function podNames(args: string[], command: string): string[] {
  const names: string[] = [];
  let typed = false;
  for (const [i, a] of args.entries()) {
    const slash = a.indexOf('/');
    if (slash > 0) {
      checkPodType(a.slice(0, slash), command);
      names.push(a.slice(slash + 1));
    } else if (i === 0 && ['pod', 'pods', 'po'].includes(a)) {
      typed = true;
    } else if (i === 0) {
      checkPodType(a, command);
    } else if (typed) {
      names.push(a);
    }
  }
  return names;
}

function checkPodType(type: string, command: string): void {
  if (!['pod', 'pods', 'po'].includes(type)) {
    throw new RuntimeError('InvalidArgument', `hostpod ${command} knows pods only, not "${type}"`, {
      hint: `hostpod ${command} pods [NAME…]`,
    });
  }
}

/**
 * The daemon to use for a command that also works without one (`exec`, `images`, `pull`, `rmi`):
 * none when a state root is named (`--root` or `$HOSTPOD_ROOT`: the local store); else the daemon
 * answering on the socket, or none when no daemon runs (an explicit `--socket` must answer).
 */
export async function daemonIfRunning(
  flags: SocketFlags & { root?: string },
  ctx: CliContext,
): Promise<DaemonClient | undefined> {
  if (flags.root !== undefined || ctx.env.HOSTPOD_ROOT) return undefined;
  const client = await daemonClient(flags, ctx);
  try {
    await client.version();
    return client;
  } catch (e) {
    if (flags.socket === undefined && e instanceof RuntimeError && e.code === 'Unavailable') return undefined;
    throw e;
  }
}
