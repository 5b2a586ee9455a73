/** Container spec → process config: pure functions (see README.md). */
export * from './account.ts';
export * from './command.ts';
export * from './env.ts';
export * from './mount-point.ts';
export * from './process-config.ts';
export * from './tokens.ts';
export * from './translate-path.ts';
export * from './types.ts';
export * from './working-dir.ts';
