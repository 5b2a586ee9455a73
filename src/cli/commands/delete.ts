import type { Command } from 'commander';
import { parseLabelSelector } from '../../api/label-selector.ts';
import { isOwnerKind, qualifiedName } from '../../api/resources.ts';
import type { DaemonClient } from '../../client/client.ts';
import { isRuntimeError, RuntimeError } from '../../errors.ts';
import { exitCodeFor } from '../exit-codes.ts';
import { type CliContext, err, out } from '../io.ts';
import {
  daemonClient,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { resourceArgs, selected } from './resource-args.ts';

interface DeleteFlags extends SocketFlags, NamespaceFlags {
  filename: string[];
  gracePeriod?: string;
  force?: boolean;
  wait: boolean;
  ignoreNotFound?: boolean;
  all?: boolean;
  selector?: string;
}

/** What a delete removes: a pod, or a workload with its pods. */
interface Target {
  kind: string;
  namespace: string;
  name: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function parseBool(v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new RuntimeError('InvalidArgument', `--wait="${v}" is not true or false`);
}

/** The pods and workloads a manifest set names. */
async function objectsOfManifests(files: string[], ctx: CliContext): Promise<Target[]> {
  const { readManifestObjects, resourceOf } = await import('./manifest-objects.ts');
  const entries = await readManifestObjects(files, ctx, 'deleted');
  const targets: Target[] = [];
  for (const e of entries) {
    if (e.kind === 'Pod' || isOwnerKind(e.kind))
      targets.push({ kind: e.kind, namespace: e.namespace, name: e.name });
    else
      err(ctx, `Warning: ${resourceOf(e.kind)}/${e.name} skipped: hostpod deletes pods and workloads only`);
  }
  return targets;
}

/** The objects named, or every one of the types (`--all`, `-l`). */
async function objectsNamed(client: DaemonClient, args: string[], flags: DeleteFlags): Promise<Target[]> {
  const namespace = namespaceOf(flags) ?? 'default';
  if (args.length === 0)
    throw new RuntimeError('InvalidArgument', 'name the objects to delete, or give -f', {
      hint: 'hostpod delete pod NAME… (ds NAME, ds/NAME, pods --all, pods -l app=x, or -f FILE)',
    });
  const req = resourceArgs(args, 'delete');
  const many = flags.all === true || flags.selector !== undefined;
  if (many && req.named.length > 0)
    throw new RuntimeError('InvalidArgument', 'give names, or --all / -l, not both');
  if (!many) {
    if (req.named.length === 0)
      throw new RuntimeError('InvalidArgument', 'resource(s) were provided, but no name was specified', {
        hint: `hostpod delete ${args[0]} NAME, or --all, or -l SELECTOR`,
      });
    return req.named.map((n) => ({ kind: n.resource.kind, namespace, name: n.name }));
  }
  const selector = parseLabelSelector(flags.selector ?? '');
  const targets: Target[] = [];
  for (const r of req.resources) {
    if (r.kind === 'Pod') {
      // A workload's pod goes with its workload: --all / -l on pods leaves them to it, as the
      // controller would bring them back.
      for (const p of selected(await client.listPods({ namespace }), selector))
        if (!p.owner && p.source.kind !== 'static') targets.push({ kind: 'Pod', namespace, name: p.name });
    } else {
      for (const w of selected(await client.listWorkloads({ kind: r.kind, namespace }), selector))
        targets.push({ kind: w.kind, namespace, name: w.name });
    }
  }
  return targets;
}

export function registerDelete(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('delete')
    .summary('stop and remove pods (kubectl delete)')
    .description(
      "Stop pods gracefully (preStop, SIGTERM, SIGKILL after the grace period: the pod's " +
        'terminationGracePeriodSeconds or --grace-period) and remove them; --force kills at once. ' +
        'A workload (ds, deploy, rs, sts, job, cj) is deleted with its pods. --all deletes every ' +
        'object of the types in the namespace, -l those whose labels match (with pods: only pods no ' +
        'workload runs). Waits until they are gone unless --wait=false. -f deletes the objects a ' +
        'manifest set names. A static pod cannot be deleted: remove its file from the manifest directory.',
    )
    .argument('[args...]', 'TYPE NAME… or TYPE/NAME… (TYPE: pod, ds, deploy, rs, sts, job, cj)')
    .option('--all', 'every object of the types in the namespace')
    .option('-l, --selector <selector>', 'the objects of the types whose labels match')
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
    let targets: Target[];
    if (flags.filename.length > 0) {
      if (args.length > 0) throw new RuntimeError('InvalidArgument', 'give names or -f, not both');
      targets = await objectsOfManifests(flags.filename, ctx);
    } else targets = await objectsNamed(client, args, flags);
    if (targets.length === 0 && (flags.all || flags.selector !== undefined))
      ctx.stderr.write(`No resources found in ${namespaceOf(flags) ?? 'default'} namespace.\n`);
    let failed: number | undefined;
    for (const t of targets) {
      try {
        if (t.kind === 'Pod') await client.deletePod(t.namespace, t.name, options);
        else await client.deleteWorkload(t.kind, t.namespace, t.name, options);
        const q = qualifiedName(t.kind, t.name);
        out(ctx, `${q.slice(0, q.lastIndexOf('/'))} "${t.name}" deleted`);
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
