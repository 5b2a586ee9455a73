import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';

/** The RuntimeClass / CRI runtime handler name for HostProcess pods (docs/kubernetes.md). */
export const RUNTIME_HANDLER = 'hostprocess';
/** containerd's runtime type; it finds `containerd-shim-hostpod-v1` on its PATH. */
export const RUNTIME_TYPE = 'io.containerd.hostpod.v1';

/**
 * containerd's config drop-in registering the runtime for the CRI plugin (containerd 1.6/1.7,
 * config version 2; the main config must `imports` it). `shimPath` sets `runtime_path` when the
 * shim is not on containerd's PATH. Pod annotations `hostpod.io/*` (the workspace layout) and
 * `microsoft.com/hostprocess-*` (rootfs location) are passed to the shim.
 */
export function containerdDropIn(options: { shimPath?: string } = {}): string {
  if (options.shimPath !== undefined && !options.shimPath.startsWith('/'))
    throw new RuntimeError('InvalidArgument', `--shim-path "${options.shimPath}" is not an absolute path`);
  return `# hostpod: HostProcess containers for pods with runtimeClassName: ${RUNTIME_HANDLER}
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${RUNTIME_HANDLER}]
  runtime_type = "${RUNTIME_TYPE}"
${options.shimPath ? `  runtime_path = "${options.shimPath}"\n` : ''}  pod_annotations = ["hostpod.io/*", "microsoft.com/hostprocess-*"]
`;
}

/** The RuntimeClass that marks a pod as HostProcess on a Linux node. */
export function runtimeClassManifest(): string {
  return `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: ${RUNTIME_HANDLER}
handler: ${RUNTIME_HANDLER}
`;
}

/**
 * Writes `<dir>/hostpod.toml` (the drop-in) and `<dir>/hostpod-runtimeclass.yaml`; returns
 * their paths. Throws PermissionDenied / FailedPrecondition naming the directory.
 */
export async function writeInstall(dir: string, options: { shimPath?: string } = {}): Promise<string[]> {
  const files: [string, string][] = [
    [join(dir, 'hostpod.toml'), containerdDropIn(options)],
    [join(dir, 'hostpod-runtimeclass.yaml'), runtimeClassManifest()],
  ];
  try {
    await mkdir(dir, { recursive: true });
    for (const [path, text] of files) await writeFile(path, text, { mode: 0o644 });
  } catch (err) {
    const code = errnoCode(err);
    throw new RuntimeError(
      code === 'EACCES' || code === 'EPERM' ? 'PermissionDenied' : 'FailedPrecondition',
      `Cannot write to ${dir}: ${code ?? String(err)}`,
      {
        hint: 'run as root, or print the files with `hostpod install containerd-runtime` and place them yourself',
      },
    );
  }
  return files.map(([p]) => p);
}
