import type { Command } from 'commander';
import { qualifiedName, RESTARTABLE_KINDS } from '../../api/resources.ts';
import { RuntimeError } from '../../errors.ts';
import { type CliContext, out } from '../io.ts';
import {
  daemonClient,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { resourceArgs } from './resource-args.ts';

/** `hostpod rollout restart ds/NAME` (kubectl rollout restart). */
export function registerRollout(program: Command, ctx: CliContext): void {
  const rollout = program.command('rollout').summary('manage the rollout of workloads (kubectl rollout)');
  const cmd = rollout
    .command('restart')
    .summary('restart the pods of a DaemonSet, Deployment or StatefulSet')
    .description(
      "Restart a workload's pods as kubectl rollout restart does: the pod template gets a new " +
        'kubectl.kubernetes.io/restartedAt annotation, so each of its pods is stopped (its grace period) ' +
        'and started again with new containers. Takes daemonsets (ds), deployments (deploy) and ' +
        'statefulsets (sts).',
    )
    .argument('<type>', 'ds/NAME, deploy/NAME, sts/NAME, or TYPE')
    .argument('[names...]', 'names (after TYPE)');
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(async (type: string, rest: string[], flags: SocketFlags & NamespaceFlags) => {
    const req = resourceArgs([type, ...rest], 'rollout restart');
    if (req.named.length === 0)
      throw new RuntimeError('InvalidArgument', 'name the workloads to restart', {
        hint: 'hostpod rollout restart ds/NAME',
      });
    for (const n of req.named) {
      if (n.resource.kind === 'Pod' || !RESTARTABLE_KINDS.includes(n.resource.kind))
        throw new RuntimeError(
          'FailedPrecondition',
          `${n.resource.plural} cannot be restarted (kubectl's restartable kinds: daemonsets, deployments, statefulsets)`,
          {
            hint:
              n.resource.kind === 'Pod'
                ? 'hostpod delete pod NAME, then apply it again'
                : 'delete it and apply it again',
          },
        );
    }
    const namespace = namespaceOf(flags) ?? 'default';
    const client = await daemonClient(flags, ctx);
    for (const n of req.named) {
      await client.restartWorkload(n.resource.kind, namespace, n.name);
      out(ctx, `${qualifiedName(n.resource.kind, n.name)} restarted`);
    }
  });
}
