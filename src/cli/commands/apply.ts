import type { Command } from 'commander';
import type { FieldValidation } from '../../api/field-validation.ts';
import { type CliContext, err, out } from '../io.ts';
import { daemonClient, type SocketFlags, socketOption } from './daemon-common.ts';
import {
  readManifestObjects,
  requireFilenames,
  resourceOf,
  validateMode,
  validateOption,
} from './manifest-objects.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerApply(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('apply')
    .summary('create or update pods on the daemon from manifests (kubectl apply)')
    .description(
      'Read manifests (files, directories, - for stdin), validate them here as hostpod lint does, then ' +
        'hand them to the daemon, which runs every Pod and the pod template of every workload (DaemonSet, ' +
        'Deployment, …) once on this node, and keeps ConfigMaps and Secrets for their volumes and env. ' +
        'Prints pod/NAME created, configured or unchanged per object, as kubectl does. Applying the same ' +
        'desired state again (also a copy saved with hostpod get -o yaml, status and all) is unchanged ' +
        'and leaves the pod running; a changed spec or label is configured, and a changed spec replaces ' +
        'the pod. An unknown field is an error unless --validate says otherwise; two objects of one kind ' +
        'and name are an error naming both files.',
    )
    .requiredOption('-f, --filename <file>', 'manifest file, directory or - (repeatable)', collect, [])
    .option(
      '--dry-run',
      'validate on the daemon and print what would change (the same words); change nothing',
    )
    .addOption(validateOption());
  socketOption(cmd);
  cmd.action(
    async (
      flags: SocketFlags & { filename: string[]; dryRun?: boolean; validate?: FieldValidation | boolean },
    ) => {
      requireFilenames(flags.filename, 'apply');
      const validate = validateMode(flags.validate);
      const entries = await readManifestObjects(flags.filename, ctx, 'applied', { validate });
      const client = await daemonClient(flags, ctx);
      const r = await client.apply({
        objects: entries.map((e) => e.raw),
        fieldValidation: validate,
        ...(flags.dryRun ? { dryRun: true } : {}),
      });
      for (const w of r.warnings) err(ctx, `Warning: ${w}`);
      for (const x of r.results)
        out(ctx, `${resourceOf(x.kind)}/${x.name} ${x.change}${flags.dryRun ? ' (server dry run)' : ''}`);
      for (const s of r.skipped) err(ctx, `Warning: ${resourceOf(s.kind)}/${s.name} skipped: ${s.reason}`);
    },
  );
}
