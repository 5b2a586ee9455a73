/**
 * The host's operating system family, read once from `process.platform`: hostpod has a Linux
 * backend (cgroups, the C shim) and a Windows backend (Job Objects, `hostpod-shim.exe`). Code that
 * differs by OS asks here (or takes the platform chosen in `runtime/platform.ts`) instead of
 * testing `process.platform` itself.
 */
export type HostOs = 'linux' | 'windows';

/** `windows` on win32, else `linux` (macOS and the BSDs run the Linux code paths that do not need Linux). */
export function hostOs(platform: NodeJS.Platform = process.platform): HostOs {
  return platform === 'win32' ? 'windows' : 'linux';
}

/** True on a Windows host. */
export function isWindowsHost(): boolean {
  return hostOs() === 'windows';
}
