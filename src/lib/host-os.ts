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

/** Where hostpod keeps its things by default on a host of this OS family. */
export interface HostDefaults {
  /** The state root. */
  root: string;
  /** The daemon's API endpoint: a unix socket, or a named pipe on Windows. */
  socket: string;
  configFile: string;
  staticPodDir: string;
  registryConfigDir: string;
  /** The host's resolver file pods' resolv.conf start from; '' = none (Windows). */
  resolvConf: string;
}

const DEFAULTS: Record<HostOs, HostDefaults> = {
  linux: {
    root: '/var/lib/hostpod',
    socket: '/run/hostpod/hostpod.sock',
    configFile: '/etc/hostpod/config.yaml',
    staticPodDir: '/etc/hostpod/manifests',
    registryConfigDir: '/etc/hostpod/certs.d',
    resolvConf: '/etc/resolv.conf',
  },
  windows: {
    root: 'C:\\ProgramData\\hostpod',
    socket: '\\\\.\\pipe\\hostpod',
    configFile: 'C:\\ProgramData\\hostpod\\config.yaml',
    staticPodDir: 'C:\\ProgramData\\hostpod\\manifests',
    registryConfigDir: 'C:\\ProgramData\\hostpod\\certs.d',
    resolvConf: '',
  },
};

/** The default paths of `os` (this host's by default). */
export function hostDefaults(os: HostOs = hostOs()): HostDefaults {
  return DEFAULTS[os];
}
