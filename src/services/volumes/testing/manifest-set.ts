/**
 * Test helper: the pods and the ConfigMaps/Secrets of a YAML manifest set, decoded as
 * `hostpod run -f` does (any validation error fails the test).
 */
import { parseManifestText } from '../../../api/manifests.ts';
import {
  decodeConfigMap,
  decodeSecret,
  decodeWorkload,
  findObjects,
  isWorkloadKind,
} from '../../../api/objects.ts';
import type { Pod } from '../../../api/types.ts';
import { addObject, emptyObjectSet, type ObjectSet } from '../../object-set.ts';

export function manifestSet(yaml: string): { pods: Pod[]; objects: ObjectSet } {
  const loaded = parseManifestText(yaml, 'test.yaml');
  if (loaded.problems.length > 0) throw new Error(loaded.problems[0]!.message);
  const pods: Pod[] = [];
  const objects = emptyObjectSet();
  for (const o of findObjects(loaded.documents).objects) {
    if (o.kind === 'ConfigMap' || o.kind === 'Secret') {
      const r = o.kind === 'ConfigMap' ? decodeConfigMap(o) : decodeSecret(o);
      if (r.errors.length > 0) throw new Error(`invalid ${o.kind}: ${JSON.stringify(r.errors)}`);
      addObject(objects, r.value);
    } else if (isWorkloadKind(o.kind)) {
      const w = decodeWorkload(o);
      if (w.errors.length > 0) throw new Error(`invalid test pod: ${JSON.stringify(w.errors)}`);
      pods.push(w.pod);
    }
  }
  return { pods, objects };
}
