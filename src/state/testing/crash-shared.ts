/** What crash-child.ts writes and crash.test.ts checks. */
export const POD_COUNT = 4;
export const CONTAINER_NAMES = ['main', 'side'] as const;
/** The ConfigMap counting committed transitions. */
export const PROGRESS = { kind: 'ConfigMap', namespace: 'default', name: 'crash-progress' } as const;
