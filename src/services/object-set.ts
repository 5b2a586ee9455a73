/**
 * The ConfigMaps and Secrets a pod's volumes and env draw on: those of the same manifest set
 * (`hostpod run -f`) or, later, those applied to the daemon.
 */
import type { ConfigMap, Secret } from '../api/types.ts';

export interface ObjectSet {
  configMaps: Map<string, ConfigMap>;
  secrets: Map<string, Secret>;
}

/** The key of an object: `namespace/name`. */
export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? 'default'}/${name}`;
}

/** An empty set. */
export function emptyObjectSet(): ObjectSet {
  return { configMaps: new Map(), secrets: new Map() };
}

/** Adds a ConfigMap or Secret under its namespace/name (a later one replaces an earlier one). */
export function addObject(set: ObjectSet, obj: ConfigMap | Secret): void {
  const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
  if (obj.kind === 'ConfigMap') set.configMaps.set(key, obj);
  else set.secrets.set(key, obj);
}
