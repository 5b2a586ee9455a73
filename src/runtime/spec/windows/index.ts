/** Windows variants of the container spec rules: pure functions (see README.md). */
export * from './account.ts';
export * from './command-line.ts';
export * from './env-block.ts';
export * from './executable.ts';
export * from './mount-point.ts';
export * from './paths.ts';
export * from './volume-paths.ts';
export * from './working-dir.ts';
