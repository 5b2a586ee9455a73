import { RuntimeError } from '../../errors.ts';
import { expandArgv, resolveExecutable, selectArgv } from './command.ts';
import { buildEnv, DEFAULT_PATH, getEnv, parseImageEnv } from './env.ts';
import type { ContainerInput, EnvVar, ImageConfigInput, Layout, Probe } from './types.ts';
import { resolveWorkingDir } from './working-dir.ts';

export interface ProcessConfigOptions {
  layout: Layout;
  /** The mount point with its trailing `/` (`resolveMountPoint()`). */
  mountPoint: string;
  /** The run-as user's base environment (`userBaseEnv()`). */
  baseEnv: readonly EnvVar[];
  /** Looks at a path as the container's processes see it (`makeContainerProbe()`). */
  probe: Probe;
}

/** What the launcher needs to start a container's first process (or an exec). */
export interface ProcessConfig {
  /** The program, an absolute path as the process sees it. */
  executable: string;
  /** argv as given (tokens replaced, argv[0] with `/` separators). */
  argv: string[];
  env: EnvVar[];
  /** The working directory as the process sees it (it may not exist yet: the shim makes it, as the container's user). */
  cwd: string;
  /** `CONTAINER_SANDBOX_MOUNT_POINT`, with its trailing `/`. */
  mountPoint: string;
  /** Windows: the command line to give `CreateProcess` (quoted by Windows rules). */
  commandLine?: string;
}

/**
 * Container + image config → the process to start: argv by the Kubernetes rules with the
 * sandbox tokens replaced, env (base, image, container, PATH + workspace,
 * CONTAINER_SANDBOX_MOUNT_POINT last), the working dir, and the executable resolved through
 * `probe` (working dir first, then PATH). Does no I/O of its own.
 * Throws InvalidArgument (no command, NUL bytes, a bad env name), NotFound / FailedPrecondition
 * from command resolution.
 */
export async function buildProcessConfig(
  container: ContainerInput,
  image: ImageConfigInput,
  options: ProcessConfigOptions,
): Promise<ProcessConfig> {
  const { mountPoint } = options;
  const argv = expandArgv(
    selectArgv({
      name: container.name,
      command: container.command,
      args: container.args,
      entrypoint: image.Entrypoint,
      cmd: image.Cmd,
    }),
    mountPoint,
  );
  const env = buildEnv({
    base: options.baseEnv,
    image: parseImageEnv(image.Env),
    container: container.env,
    mountPoint,
  });
  const cwd = resolveWorkingDir({
    layout: options.layout,
    mountPoint,
    workingDir: container.workingDir,
    imageWorkingDir: image.WorkingDir,
  });
  checkValues(container.name, argv, env, cwd);
  const executable = await resolveExecutable(argv[0]!, {
    cwd,
    path: getEnv(env, 'PATH') ?? DEFAULT_PATH,
    probe: options.probe,
    container: container.name,
  });
  return { executable, argv, env, cwd, mountPoint };
}

function checkValues(name: string, argv: readonly string[], env: readonly EnvVar[], cwd: string): void {
  const bad = (what: string) =>
    new RuntimeError('InvalidArgument', `Cannot start container "${name}": ${what}`, {
      hint: 'remove the offending character from the pod spec or the image config',
    });
  argv.forEach((a, i) => {
    if (a.includes('\0')) throw bad(`argument ${i} contains a NUL byte`);
  });
  for (const v of env) {
    if (v.name === '' || v.name.includes('=') || v.name.includes('\0')) {
      throw bad(`invalid environment variable name "${v.name.replace(/\0/g, '\\0')}"`);
    }
    if (v.value.includes('\0')) throw bad(`environment variable ${v.name} contains a NUL byte`);
  }
  if (cwd.includes('\0')) throw bad('the working directory contains a NUL byte');
}
