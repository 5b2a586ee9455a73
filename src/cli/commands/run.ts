import { randomBytes } from 'node:crypto';
import { type Command, Option } from 'commander';
import type { FieldValidation } from '../../api/field-validation.ts';
import { decodeConfigMap, decodeSecret, decodeWorkload, isWorkloadKind } from '../../api/objects.ts';
import { integerValue, parseQuantity } from '../../api/quantity.ts';
import type { Pod } from '../../api/types.ts';
import { RuntimeError } from '../../errors.ts';
import { loadDockerCredentials } from '../../image/registry/docker-config.ts';
import { hostDefaults } from '../../lib/host-os.ts';
import { LogFollower as Follower, type LogFollower } from '../../runtime/logs/cri-log.ts';
import type { Layout } from '../../runtime/spec/types.ts';
import type { LogRotation } from '../../runtime/task/launch-spec.ts';
import { cleanupStale } from '../../services/cleanup.ts';
import type { RunningContainer } from '../../services/container-runner.ts';
import { parseDnsSettings } from '../../services/dns-settings.ts';
import { addObject, emptyObjectSet, type ObjectSet } from '../../services/object-set.ts';
import { type PodEvent, type PodResult, runPod } from '../../services/pod-runner.ts';
import { openStateDb, stateDbPath } from '../../state/state-db.ts';
import { EXIT } from '../exit-codes.ts';
import { foregroundDeps, requireRoot } from '../foreground.ts';
import { type CliContext, err } from '../io.ts';
import {
  openImageStores,
  registryConfigDir,
  registryConfigDirOption,
  resolveStateRoot,
} from './images-common.ts';
import {
  duplicateLines,
  fieldErrorLine,
  loadObjects,
  requireFilenames,
  unknownFieldLine,
  validateMode,
  validateOption,
} from './manifest-objects.ts';

interface RunFlags {
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  serviceAccountTokenFile?: string;
  filename: string[];
  rm?: boolean;
  root?: string;
  layout: Layout;
  nodeLabel: string[];
  quiet?: boolean;
  cgroupParent?: string;
  insecureRegistry: string[];
  registryConfigDir?: string;
  workspace: 'auto' | 'overlay' | 'copy';
  logMaxSize: string;
  logMaxFiles: string;
  clusterDns: string[];
  clusterDomain?: string;
  resolvConf?: string;
  validate?: FieldValidation | boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Reads the manifests and turns every workload into the pod to run; throws InvalidArgument with lint-style lines. */
async function podsFrom(
  files: string[],
  ctx: CliContext,
  validate: FieldValidation,
): Promise<{ pods: Pod[]; objects: ObjectSet }> {
  const { objects, lines } = await loadObjects(files, ctx);
  lines.push(...duplicateLines(objects));
  const pods: Pod[] = [];
  const set = emptyObjectSet();
  for (const o of objects) {
    if (o.kind === 'ConfigMap' || o.kind === 'Secret') {
      const r = o.kind === 'ConfigMap' ? decodeConfigMap(o) : decodeSecret(o);
      for (const e of r.errors) {
        lines.push(fieldErrorLine(o, e));
      }
      addObject(set, r.value);
      continue;
    }
    if (!isWorkloadKind(o.kind)) continue;
    const w = decodeWorkload(o);
    for (const e of w.errors) {
      lines.push(fieldErrorLine(o, e));
    }
    if (validate !== 'ignore')
      for (const f of w.unknownFields) {
        if (validate === 'strict') lines.push(unknownFieldLine(o, f, 'strict'));
        else err(ctx, unknownFieldLine(o, f, 'warn'));
      }
    if (w.errors.length > 0) continue;
    const pod = w.pod;
    // A workload's template runs as one pod on this node, named as a controller would name it.
    if (o.kind !== 'Pod')
      pod.metadata.name = `${pod.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    pods.push(pod);
  }
  if (lines.length > 0) {
    for (const l of lines) err(ctx, l);
    throw new RuntimeError(
      'InvalidArgument',
      `the manifests have ${lines.length} ${lines.length === 1 ? 'error' : 'errors'}; nothing was started`,
      {
        hint: 'fix them (hostpod lint shows the same errors with warnings)',
      },
    );
  }
  if (pods.length === 0) {
    throw new RuntimeError('InvalidArgument', 'the manifests hold no Pod or workload to run', {
      hint: 'give a file with a Pod, DaemonSet, Deployment, ReplicaSet, StatefulSet, Job or CronJob',
    });
  }
  const names = new Set<string>();
  for (const p of pods) {
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    if (names.has(key)) throw new RuntimeError('InvalidArgument', `two pods are named "${key}"`);
    names.add(key);
  }
  return { pods, objects: set };
}

/** The log rotation from --log-max-size (a quantity: 10Mi, 500Ki, 1M) and --log-max-files. */
export function parseLogRotation(size: string, files: string): LogRotation {
  const q = parseQuantity(size);
  const bytes = q.ok ? Number(integerValue(q.value)) : Number.NaN;
  if (!q.ok || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new RuntimeError('InvalidArgument', `--log-max-size "${size}" is not a size in bytes`, {
      hint: 'give a quantity such as 10Mi (the default), 500Ki or 1G',
    });
  }
  const count = /^\d+$/.test(files) ? Number(files) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 2 || count > 1000) {
    throw new RuntimeError('InvalidArgument', `--log-max-files "${files}" is not a number from 2 to 1000`, {
      hint: 'the count includes the current file, as the kubelet counts it (default 5)',
    });
  }
  return { maxBytes: bytes, maxFiles: count };
}

function parseLabels(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const i = l.indexOf('=');
    if (i <= 0) throw new RuntimeError('InvalidArgument', `--node-label "${l}" is not KEY=VALUE`);
    out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

/** The exit code of a run: 0 all pods succeeded, 1 one failed, 130 interrupted. */
export function runExitCode(results: readonly PodResult[]): number {
  if (results.some((r) => r.interrupted)) return EXIT.interrupted;
  return results.every((r) => r.phase === 'Succeeded') ? EXIT.ok : EXIT.failure;
}

export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .summary('run the HostProcess pods of a manifest set in the foreground')
    .description(
      'Validate the manifests, make their images available (per imagePullPolicy), run init containers in ' +
        'order and then the containers as HostProcess containers on this host, stream their output, and ' +
        'exit when every pod has ended. Ctrl-C stops the pods gracefully (terminationGracePeriodSeconds: ' +
        'SIGTERM, then SIGKILL of every process of each container); a second Ctrl-C kills them at once. ' +
        'Workload kinds (DaemonSet, Deployment, …) run their pod template once on this node. ' +
        'Needs root. Containers left by a hostpod run that was killed are cleaned up first.',
    )
    .requiredOption('-f, --filename <file>', 'manifest file, directory or - (repeatable)', collect, [])
    .option('--rm', "also remove the containers' logs and records when they end")
    .option('--root <dir>', 'state root (default $HOSTPOD_ROOT or /var/lib/hostpod)')
    .addOption(
      new Option('--layout <layout>', 'how containers see their workspace and volumes')
        .choices(['bind', 'symlink'])
        .default('bind'),
    )
    .addOption(
      new Option('--workspace <mode>', 'how the workspace holds the image')
        .choices(['auto', 'overlay', 'copy'])
        .default('auto'),
    )
    .option(
      '--node-label <key=value>',
      'an extra label of this node for nodeSelector/affinity (repeatable)',
      collect,
      [],
    )
    .option(
      '--cgroup-parent <path>',
      "cgroup under which containers' jobs are made (default: /hostpod.slice under systemd, else /hostpod)",
    )
    .option(
      '--cluster-dns <ip>',
      "the cluster DNS service's IP for pods with dnsPolicy ClusterFirstWithHostNet (repeatable or comma-separated)",
      collect,
      [],
    )
    .option('--cluster-domain <domain>', 'the cluster domain pods search (e.g. cluster.local)')
    .option(
      '--resolv-conf <file>',
      `the host resolver file pods' DNS starts from ('' for none; default ${hostDefaults().resolvConf || "'' on Windows"})`,
    )
    .option('--insecure-registry <host>', 'reach this registry over plain HTTP (repeatable)', collect, [])
    .addOption(registryConfigDirOption())
    .option('--log-max-size <size>', "rotate a container's log when it reaches this size", '10Mi')
    .option('--log-max-files <n>', 'log files kept per container, the current one included', '5')
    .addOption(
      new Option(
        '--image-pull-policy <policy>',
        'use this pull policy for every container instead of its imagePullPolicy (e.g. IfNotPresent to run with images imported or built locally)',
      ).choices(['Always', 'IfNotPresent', 'Never']),
    )
    .option(
      '--service-account-token-file <file>',
      'the token projected serviceAccountToken volumes get (left out, with a warning, when unset)',
    )
    .option('-q, --quiet', "print only the containers' output")
    .addOption(validateOption())
    .action(async (opts: RunFlags) => {
      requireFilenames(opts.filename, 'run');
      const logRotation = parseLogRotation(opts.logMaxSize, opts.logMaxFiles);
      const dns = parseDnsSettings(
        {
          ...(opts.clusterDns.length > 0 ? { clusterDNS: opts.clusterDns.join(',') } : {}),
          ...(opts.clusterDomain !== undefined ? { clusterDomain: opts.clusterDomain } : {}),
          ...(opts.resolvConf !== undefined ? { resolvConf: opts.resolvConf } : {}),
        },
        'flags',
      );
      const { pods, objects } = await podsFrom(opts.filename, ctx, validateMode(opts.validate));
      if (opts.imagePullPolicy) {
        for (const pod of pods) {
          for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
            c.imagePullPolicy = opts.imagePullPolicy;
          }
        }
      }
      const configDir = await registryConfigDir(opts.registryConfigDir, ctx);
      requireRoot(ctx, 'hostpod run');
      const root = resolveStateRoot(opts.root, ctx);
      // Each container's record (who runs it, what exec needs, how it ended) is in the state database.
      const db = openStateDb(stateDbPath(root));
      const deps = await foregroundDeps(ctx, {
        root,
        records: db.containers,
        layout: opts.layout,
        nodeLabels: parseLabels(opts.nodeLabel),
        workspace: opts.workspace,
        logRotation,
        dns,
        ...(opts.cgroupParent ? { cgroupParent: opts.cgroupParent } : {}),
      });
      const status = (line: string) => {
        if (!opts.quiet) err(ctx, `hostpod: ${line}`);
      };
      if (deps.groups.warning) err(ctx, `hostpod: warning: ${deps.groups.warning}`);
      const stale = await cleanupStale({ ...deps, containers: db.containers });
      if (stale.containers.length > 0)
        status(
          `cleaned up ${stale.containers.length} container(s) left by an earlier hostpod run that was killed`,
        );
      for (const p of stale.problems) err(ctx, `hostpod: warning: cleanup: ${p}`);

      const abort = new AbortController();
      const running = new Set<RunningContainer>();
      let interrupts = 0;
      const off = ctx.onInterrupt?.((sig) => {
        interrupts++;
        if (interrupts === 1) {
          status(`${sig}: stopping the pods gracefully (again to kill them at once)`);
          abort.abort();
        } else {
          status(`${sig}: killing every container now`);
          for (const c of running) void c.task.group.kill().catch(() => {});
        }
      });

      const containerCount = pods.reduce(
        (n, p) => n + p.spec.containers.length + (p.spec.initContainers?.length ?? 0),
        0,
      );
      const followers = new Map<string, LogFollower>();
      const prefixOf = (pod: string, name: string) =>
        containerCount <= 1 ? '' : pods.length > 1 ? `[${pod}/${name}] ` : `[${name}] `;
      const exitLines = new Map<string, Promise<void>>();
      const onEvent = (e: PodEvent): Promise<void> | undefined => {
        switch (e.type) {
          case 'image':
            status(`pod "${e.pod}": image ${e.image} (${e.manifestDigest.slice(0, 19)}…)`);
            return;
          case 'started': {
            const c = e.container;
            running.add(c);
            status(
              `pod "${e.pod}": container "${c.name}" ${e.restartCount > 0 ? `restarted (restart ${e.restartCount}, ` : 'started ('}pid ${c.task.initPid}, workspace ${c.exec.mountPoint})`,
            );
            const prefix = Buffer.from(prefixOf(e.pod, c.name));
            const f = new Follower(c.logPath, (line) => {
              const stream = line.stream === 'stdout' ? ctx.stdout : ctx.stderr;
              stream.write(Buffer.concat([prefix, line.text, Buffer.from('\n')]));
            }).start();
            followers.set(c.id, f);
            return;
          }
          case 'exited': {
            if (e.container) running.delete(e.container);
            const r = e.result;
            const f = r.id ? followers.get(r.id) : undefined;
            const line = `pod "${e.pod}": container "${r.name}" ${r.reason === 'StartError' ? 'could not start' : `exited with ${r.exitCode}`} (${r.reason})${r.message ? `: ${r.message}` : ''}`;
            if (!f) {
              status(line);
              return;
            }
            followers.delete(r.id!);
            const printed = f.stop().then(() => status(line));
            exitLines.set(`${e.pod}/${r.name}`, printed);
            return printed;
          }
          case 'warning':
            err(ctx, `hostpod: warning: pod "${e.pod}": ${e.message}`);
            return;
          case 'stopping':
            status(`pod "${e.pod}": stopping (grace period ${e.graceSeconds}s)`);
            return;
          case 'backoff': {
            const line = `pod "${e.pod}": container "${e.container}" CrashLoopBackOff: ${e.message}; restart ${e.restartCount} at ${e.nextAttemptAt.slice(11, 19)}`;
            // After the exit line, which waits for the last of the container's output.
            const exited = exitLines.get(`${e.pod}/${e.container}`);
            if (!exited) {
              status(line);
              return;
            }
            return exited.then(() => status(line));
          }
          case 'probe':
            // A failed liveness or startup probe is told by the 'killing' line that follows.
            if (e.result === 'failure' && e.probe !== 'readiness') return;
            status(
              `pod "${e.pod}": container "${e.container}": ${e.probe[0]!.toUpperCase()}${e.probe.slice(1)} probe ${e.result === 'success' ? 'succeeded' : `failed: ${e.message}`}`,
            );
            return;
          case 'killing':
            status(`pod "${e.pod}": container "${e.container}" ${e.message}; stopping it`);
            return;
          case 'ready':
            status(`pod "${e.pod}": ${e.ready ? 'Ready' : 'not Ready'}`);
            return;
          case 'status':
            return;
        }
      };
      const pending: Promise<void>[] = [];
      const { content, images } = openImageStores(root);
      const credentials = await loadDockerCredentials(ctx.env);
      try {
        const results = await Promise.all(
          pods.map(async (pod) => {
            const r = await runPod(pod, {
              deps,
              images: {
                root,
                content,
                images,
                credentials,
                insecureRegistries: opts.insecureRegistry,
                registryConfigDir: configDir,
                signal: abort.signal,
              },
              ...(opts.serviceAccountTokenFile
                ? { serviceAccountTokenFile: opts.serviceAccountTokenFile }
                : {}),
              signal: abort.signal,
              keepLogs: !opts.rm,
              objects,
              onEvent: (e) => {
                const p = onEvent(e);
                if (p) pending.push(p);
              },
            });
            await Promise.all(pending);
            status(`pod "${r.name}": ${r.phase}${r.interrupted ? ' (interrupted)' : ''}`);
            return r;
          }),
        );
        ctx.exitCode = runExitCode(results);
      } finally {
        off?.();
        await Promise.all([...followers.values()].map((f) => f.stop()));
        db.close();
      }
    });
}
