/** The workspace of a container and its layouts (see README.md). */
export * from './copy-layers.ts';
export * from './host-paths.ts';
export * from './mountinfo.ts';
export * from './overlay.ts';
export * from './sandbox.ts';
export * from './volumes.ts';
export * from './workspace-mount.ts';
