import type { Command } from 'commander';
import type { CliContext } from '../io.ts';

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/**
 * Every command of the CLI, in the order `--help` lists them, loaded on demand: a run of one
 * command imports only that command's module (and what it needs), which keeps start-up close
 * to Node's own. The key is the first word on the command line.
 */
export const COMMANDS: [name: string, load: () => Promise<RegisterCommand[]>][] = [
  ['lint', async () => [(await import('./lint.ts')).registerLint]],
  ['run', async () => [(await import('./run.ts')).registerRun]],
  ['exec', async () => [(await import('./exec.ts')).registerExec]],
  ['ps', async () => [(await import('./ps.ts')).registerPs]],
  ['inspect', async () => [(await import('./ps.ts')).registerInspect]],
  ['pull', async () => [(await import('./pull.ts')).registerPull]],
  ['push', async () => [(await import('./push.ts')).registerPush]],
  ['images', async () => [(await import('./images.ts')).registerImages]],
  [
    'image',
    async () => [
      (await import('./image-import.ts')).registerImageImport,
      (await import('./image-save.ts')).registerImageSave,
      (await import('./image-build.ts')).registerImageBuild,
      (await import('./image-inspect.ts')).registerImageInspect,
      (await import('./image-prune.ts')).registerImagePrune,
    ],
  ],
  ['rmi', async () => [(await import('./rmi.ts')).registerRmi]],
  ['daemon', async () => [(await import('./daemon.ts')).registerDaemon]],
  ['apply', async () => [(await import('./apply.ts')).registerApply]],
  ['get', async () => [(await import('./get.ts')).registerGet]],
  ['describe', async () => [(await import('./describe.ts')).registerDescribe]],
  ['logs', async () => [(await import('./logs.ts')).registerLogs]],
  ['delete', async () => [(await import('./delete.ts')).registerDelete]],
  ['rollout', async () => [(await import('./rollout.ts')).registerRollout]],
  ['top', async () => [(await import('./top.ts')).registerTop]],
  ['events', async () => [(await import('./events.ts')).registerEvents]],
  ['install', async () => [(await import('./install.ts')).registerInstall]],
  ['completion', async () => [(await import('./completion.ts')).registerCompletion]],
];

/** The register functions needed for `argv`: one command's, or all (help, unknown commands). */
export async function loadCommands(argv: readonly string[]): Promise<RegisterCommand[]> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return [];
  const first = argv.find((a) => !a.startsWith('-'));
  const match = COMMANDS.find(([name]) => name === first);
  const wanted = match ? [match] : COMMANDS;
  return (await Promise.all(wanted.map(([, load]) => load()))).flat();
}
