import type { Command } from 'commander';
import type { CliContext } from '../io.ts';
import { registerExec } from './exec.ts';
import { registerImageBuild } from './image-build.ts';
import { registerImageImport } from './image-import.ts';
import { registerImageInspect } from './image-inspect.ts';
import { registerImagePrune } from './image-prune.ts';
import { registerImages } from './images.ts';
import { registerLint } from './lint.ts';
import { registerPull } from './pull.ts';
import { registerRmi } from './rmi.ts';
import { registerRun } from './run.ts';

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Every command of the CLI, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerLint,
  registerRun,
  registerExec,
  registerImageImport,
  registerImageBuild,
  registerPull,
  registerImages,
  registerImageInspect,
  registerRmi,
  registerImagePrune,
];
