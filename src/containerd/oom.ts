import { readFileSync } from 'node:fs';

/** CAP_SYS_RESOURCE: needed to lower an oom_score_adj below what the process had. */
const CAP_SYS_RESOURCE = 24n;

function own(): { adj: number; canLower: boolean } {
  const adj = Number(readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
  const status = readFileSync('/proc/self/status', 'utf8');
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  const canLower = m ? ((BigInt(`0x${m[1]}`) >> CAP_SYS_RESOURCE) & 1n) === 1n : false;
  return { adj, canLower };
}

let cached: { adj: number; canLower: boolean } | undefined;

/**
 * The oom_score_adj a task's first process gets for the spec's `wanted`: the value itself when
 * the host allows it, else the nearest allowed one — what containerd's
 * `restrict_oom_score_adj` does: a process without CAP_SYS_RESOURCE cannot go below the value
 * it inherits (this server's, which is containerd's). `clamped` says the value was changed.
 */
export function allowedOomScoreAdj(wanted: number): { value: number; clamped: boolean } {
  cached ??= own();
  if (wanted >= cached.adj || cached.canLower) return { value: wanted, clamped: false };
  return { value: cached.adj, clamped: true };
}
