import type { Command } from 'commander';
import type { CliContext } from '../io.ts';
import { registerImageBuild } from './image-build.ts';
import { registerImageImport } from './image-import.ts';
import { registerLint } from './lint.ts';

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Every command of the CLI, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [registerLint, registerImageImport, registerImageBuild];
