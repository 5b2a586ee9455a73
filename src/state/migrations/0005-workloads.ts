import type { Migration } from './migration.ts';

/**
 * Workloads stay objects: a DaemonSet, Deployment, ReplicaSet, StatefulSet, Job or CronJob
 * applied to the node is kept as applied (the `workloads` table), and the pod it runs points to
 * it (`pods.owner_uid`, shown as `metadata.ownerReferences` / "Controlled By"). Pods stored
 * before this version have no owner; a workload applied again adopts its pod. A container
 * records the manifest digest of the image it runs (`image_digest`: the pod status's `imageID`,
 * as kubectl shows it); older containers have none.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'workloads',
  up(db) {
    db.exec(`
      CREATE TABLE workloads (
        uid TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Job', 'CronJob')),
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        manifest TEXT NOT NULL CHECK (json_valid(manifest)),
        generation INTEGER NOT NULL CHECK (generation >= 1),
        created_at TEXT NOT NULL,
        UNIQUE (kind, namespace, name)
      ) STRICT;

      ALTER TABLE pods ADD COLUMN owner_uid TEXT REFERENCES workloads (uid) ON DELETE SET NULL;
      CREATE INDEX pods_by_owner ON pods (owner_uid);

      ALTER TABLE containers ADD COLUMN image_digest TEXT;
    `);
  },
};
