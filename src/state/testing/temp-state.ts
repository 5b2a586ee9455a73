/** Test helpers: a temporary state root, removed afterwards. Not part of the build. */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempState {
  root: string;
  path: string;
  cleanup(): void;
}

/** A fresh temp dir with the path `state.db` inside it (not yet created). */
export function tempState(): TempState {
  const root = mkdtempSync(join(tmpdir(), 'hostpod-state-'));
  return {
    root,
    path: join(root, 'state.db'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** sha256 of the file and of its -wal companion (when there is one): to prove nothing wrote to them. */
export function fingerprint(path: string): string {
  const h = createHash('sha256').update(readFileSync(path));
  if (existsSync(`${path}-wal`)) h.update(readFileSync(`${path}-wal`));
  return h.digest('hex');
}

/** A Pod manifest as `hostpod apply` would store it. */
export function podManifest(name: string, image = 'busybox:1.36', extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...extra },
    spec: {
      hostNetwork: true,
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      containers: [{ name: 'main', image, command: ['sleep', '3600'] }],
    },
  };
}
