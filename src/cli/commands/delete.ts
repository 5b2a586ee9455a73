import type { Command } from 'commander';
import { isRuntimeError, RuntimeError } from '../../errors.ts';
import { exitCodeFor } from '../exit-codes.ts';
import { type CliContext, err, out } from '../io.ts';
import {
  daemonClient,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  podNames,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';

interface DeleteFlags extends SocketFlags, NamespaceFlags {
  filename: string[];
  gracePeriod?: string;
  force?: boolean;
  wait: boolean;
  ignoreNotFound?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function parseBool(v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new RuntimeError('InvalidArgument', `--wait="${v}" is not true or false`);
}

/** The pods a manifest set made on node `node` (workload templates named as the daemon names them). */
async function podsOfManifests(
  files: string[],
  ctx: CliContext,
  node: () => Promise<string>,
): Promise<{ namespace: string; name: string }[]> {
  const { readManifestObjects, resourceOf } = await import('./manifest-objects.ts');
  const entries = await readManifestObjects(files, ctx, 'deleted');
  const { isWorkloadKind } = await import('../../api/objects.ts');
  const pods: { namespace: string; name: string }[] = [];
  for (const e of entries) {
    if (e.kind === 'Pod') pods.push({ namespace: e.namespace, name: e.name });
    else if (isWorkloadKind(e.kind)) {
      const { templatePodName } = await import('../../api/names.ts');
      pods.push({ namespace: e.namespace, name: templatePodName(e.name, await node()) });
    } else err(ctx, `Warning: ${resourceOf(e.kind)}/${e.name} skipped: hostpod deletes pods only`);
  }
  return pods;
}

export function registerDelete(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('delete')
    .summary('stop and remove pods (kubectl delete)')
    .description(
      "Stop pods gracefully (preStop, SIGTERM, SIGKILL after the grace period: the pod's " +
        'terminationGracePeriodSeconds or --grace-period) and remove them; --force kills at once. ' +
        'Waits until they are gone unless --wait=false. -f deletes the pods a manifest set made. ' +
        'A static pod cannot be deleted: remove its file from the manifest directory.',
    )
    .argument('[args...]', 'pod NAME… or pod/NAME…')
    .option('-f, --filename <file>', 'delete the pods of these manifests (repeatable)', collect, [])
    .option('--grace-period <seconds>', "seconds to wait after SIGTERM (default: the pod's own)")
    .option('--force', 'kill the containers at once (SIGKILL), without a grace period')
    .option('--wait [bool]', 'wait until the pods are gone (--wait=false returns at once)', parseBool, true)
    .option('--ignore-not-found', 'treat a pod that does not exist as deleted');
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(async (args: string[], flags: DeleteFlags) => {
    const options: { gracePeriodSeconds?: number; force?: boolean; wait?: boolean } = {};
    if (flags.gracePeriod !== undefined && flags.gracePeriod !== '-1') {
      if (!/^\d+$/.test(flags.gracePeriod))
        throw new RuntimeError(
          'InvalidArgument',
          `--grace-period "${flags.gracePeriod}" is not a number of seconds`,
        );
      options.gracePeriodSeconds = Number(flags.gracePeriod);
    }
    if (flags.force) options.force = true;
    if (flags.wait === false) options.wait = false;
    const client = await daemonClient(flags, ctx);
    let targets: { namespace: string; name: string }[];
    if (flags.filename.length > 0) {
      if (args.length > 0) throw new RuntimeError('InvalidArgument', 'give pod names or -f, not both');
      targets = await podsOfManifests(flags.filename, ctx, async () => (await client.version()).node.name);
    } else {
      const namespace = namespaceOf(flags) ?? 'default';
      const names = args.length > 0 ? podNames(args, 'delete') : [];
      if (names.length === 0)
        throw new RuntimeError('InvalidArgument', 'name the pods to delete, or give -f', {
          hint: 'hostpod delete pod NAME… (or -f FILE)',
        });
      targets = names.map((name) => ({ namespace, name }));
    }
    let failed: number | undefined;
    for (const t of targets) {
      try {
        await client.deletePod(t.namespace, t.name, options);
        out(ctx, `pod "${t.name}" deleted`);
      } catch (e) {
        if (flags.ignoreNotFound && isRuntimeError(e, 'NotFound')) continue;
        if (!isRuntimeError(e) || targets.length === 1) throw e;
        err(ctx, `hostpod: ${e.message}`);
        if (e.hint) err(ctx, `hint: ${e.hint}`);
        failed ??= exitCodeFor(e.code);
      }
    }
    if (failed !== undefined) ctx.exitCode = failed;
  });
}
