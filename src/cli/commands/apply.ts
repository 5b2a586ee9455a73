import type { Command } from 'commander';
import { type CliContext, err, out } from '../io.ts';
import { daemonClient, type SocketFlags, socketOption } from './daemon-common.ts';
import { readManifestObjects, resourceOf } from './manifest-objects.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerApply(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('apply')
    .summary('create or update pods on the daemon from manifests (kubectl apply)')
    .description(
      'Read manifests (files, directories, - for stdin), validate them here as hostpod lint does,\n' +
        'then hand them to the daemon, which runs every Pod and the pod template of every workload\n' +
        '(DaemonSet, Deployment, …) once on this node, and keeps ConfigMaps and Secrets for their\n' +
        'volumes and env. Applying again is idempotent; a changed spec replaces the pod.\n' +
        'Prints pod/NAME created|configured|unchanged per object.\n\n' +
        'Exit codes: 0 ok, 2 invalid manifests, 4 the daemon refused (node selection, …),\n' +
        '5 socket not accessible, 6 no daemon.',
    )
    .requiredOption('-f, --filename <file>', 'manifest file, directory or - (repeatable)', collect, [])
    .option('--dry-run', 'validate on the daemon and print what would change; change nothing');
  socketOption(cmd);
  cmd.action(async (flags: SocketFlags & { filename: string[]; dryRun?: boolean }) => {
    const entries = await readManifestObjects(flags.filename, ctx, 'applied');
    const client = await daemonClient(flags, ctx);
    const r = await client.apply({
      objects: entries.map((e) => e.raw),
      ...(flags.dryRun ? { dryRun: true } : {}),
    });
    for (const w of r.warnings) err(ctx, `Warning: ${w}`);
    for (const x of r.results)
      out(ctx, `${resourceOf(x.kind)}/${x.name} ${x.change}${flags.dryRun ? ' (server dry run)' : ''}`);
    for (const s of r.skipped) err(ctx, `Warning: ${resourceOf(s.kind)}/${s.name} skipped: ${s.reason}`);
  });
}
