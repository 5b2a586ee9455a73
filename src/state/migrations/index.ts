/** Every schema migration, in order. A new one is the next number; never edit a released one. */
import { migration0001 } from './0001-initial.ts';
import { migration0002 } from './0002-event-series.ts';
import { migration0003 } from './0003-container-record.ts';
import { migration0004 } from './0004-stored-status.ts';
import { migration0005 } from './0005-workloads.ts';
import type { Migration } from './migration.ts';

export type { Migration } from './migration.ts';

export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS.length;
