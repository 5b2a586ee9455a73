import { RuntimeError } from '../errors.ts';

/** The flags containerd passes a runtime v2 shim (Go `flag` syntax: `-x v`, `--x v`, `-x=v`). */
export interface ShimArgs {
  namespace: string;
  address: string;
  publishBinary: string;
  id: string;
  bundle: string;
  debug: boolean;
  socket: string;
  command: 'start' | 'delete' | 'serve';
}

const VALUED = new Set(['namespace', 'address', 'publish-binary', 'id', 'bundle', 'socket']);

/** Parses the shim's argv (without node and the script). Throws InvalidArgument naming the problem. */
export function parseShimArgs(argv: readonly string[]): ShimArgs {
  const out: Record<string, string> = {};
  let debug = false;
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('-')) {
      if (command !== undefined) throw new RuntimeError('InvalidArgument', `unexpected argument "${a}"`);
      command = a;
      continue;
    }
    const [name = '', inline] = a.replace(/^--?/, '').split(/=(.*)/s, 2);
    if (name === 'debug') {
      debug = inline === undefined || inline === 'true';
      continue;
    }
    if (name === 'v' || name === 'version') {
      command = 'version';
      continue;
    }
    if (!VALUED.has(name)) throw new RuntimeError('InvalidArgument', `unknown flag -${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new RuntimeError('InvalidArgument', `flag -${name} needs a value`);
    out[name] = value;
  }
  if (command !== 'start' && command !== 'delete' && command !== 'serve')
    throw new RuntimeError(
      'InvalidArgument',
      `expected the subcommand start, delete or serve, got ${command ?? 'none'}`,
    );
  const need = (k: string): string => {
    const v = out[k];
    if (!v) throw new RuntimeError('InvalidArgument', `-${k} is required for ${command}`);
    return v;
  };
  const namespace = need('namespace');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,75}$/.test(namespace))
    throw new RuntimeError(
      'InvalidArgument',
      `-namespace "${namespace}" is not a valid containerd namespace`,
    );
  return {
    namespace,
    address: need('address'),
    publishBinary: out['publish-binary'] ?? '',
    id: command === 'serve' ? (out.id ?? '') : need('id'),
    bundle: out.bundle ?? '',
    debug,
    socket: command === 'serve' ? need('socket') : '',
    command,
  };
}
