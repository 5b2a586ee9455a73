import type { Command } from 'commander';
import { CRASH_POINTS, type CrashPoint } from '../../daemon/agent-types.ts';
import { RuntimeError } from '../../errors.ts';
import { parsePodTiming } from '../../services/pod-events.ts';
import { VERSION } from '../../version.ts';
import { requireRoot } from '../foreground.ts';
import type { CliContext } from '../io.ts';

interface DaemonFlags {
  config?: string;
  root?: string;
  socket?: string;
  socketGroup?: string;
  layout?: string;
  cgroupParent?: string;
  nodeName?: string;
  nodeLabel: string[];
  metricsAddress?: string;
  staticPodDir?: string;
  staticPodValidate?: string;
  workspace?: string;
  serviceAccountLocalService?: string;
  serviceAccountNetworkService?: string;
  logMaxSize?: string;
  logMaxFiles?: string;
  logLevel?: string;
  insecureRegistry: string[];
  registryConfigDir?: string;
  serviceAccountTokenFile?: string;
  stopPodsOnExit?: boolean;
  clusterDns: string[];
  clusterDomain?: string;
  resolvConf?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerDaemon(program: Command, ctx: CliContext): void {
  program
    .command('daemon')
    .summary('run the node daemon: pods kept running, a local API, metrics, static pods')
    .description(
      'Run hostpod as a node supervisor. Pods applied through its API (hostpod apply) ' +
        'or found in the static pod directory are kept running per their restartPolicy; ' +
        'their state is kept in <root>/state.db. The containers outlive the daemon: ' +
        'when it is stopped (SIGTERM, SIGINT) or killed, they keep running and logging, ' +
        'and the next daemon adopts them — except at a system shutdown (systemd says ' +
        '"stopping"), when it stops them gracefully (preStop, grace period) first. ' +
        'Under systemd (Type=notify) it reports READY=1 once serving. The API is served on a unix socket only root ' +
        '(or --socket-group) can open; metrics in the Prometheus text format on ' +
        '--metrics-address. Logs are JSON lines on stderr.\n\n' +
        'Settings come from the config file (--config, default /etc/hostpod/config.yaml ' +
        'when it exists; see contrib/config.yaml), each overridden by its flag. ' +
        'Needs root. ' +
        'docs/node-service.md explains running it under systemd.',
    )
    .option('--config <file>', 'configuration file (YAML)')
    .option('--root <dir>', 'state root (default /var/lib/hostpod)')
    .option('--socket <path>', 'API socket (default /run/hostpod/hostpod.sock)')
    .option('--socket-group <group>', 'a group whose members may use the API besides root')
    .option('--layout <layout>', 'workspace layout: bind or symlink (default bind)')
    .option('--cgroup-parent <path>', "cgroup under which the containers' jobs are made")
    .option('--node-name <name>', 'the node name pods are matched against (default the host name)')
    .option(
      '--node-label <key=value>',
      'a label of this node for nodeSelector/affinity (repeatable)',
      collect,
      [],
    )
    .option(
      '--metrics-address <host:port>',
      "Prometheus metrics address, '' for none (default 127.0.0.1:9470)",
    )
    .option('--static-pod-dir <dir>', "static pod directory, '' for none (default /etc/hostpod/manifests)")
    .option(
      '--static-pod-validate <mode>',
      'an unknown field in a static pod file: strict (the file is refused, the default), warn or ignore',
    )
    .option(
      '--workspace <mode>',
      "how a container's workspace holds its image: auto, overlay or copy (default auto)",
    )
    .option(
      '--service-account-local-service <user>',
      'the host account that runs pods as NT AUTHORITY\\LOCAL SERVICE',
    )
    .option(
      '--service-account-network-service <user>',
      'the host account that runs pods as NT AUTHORITY\\NETWORK SERVICE',
    )
    .option('--log-max-size <size>', "rotate a container's log at this size (default 10Mi)")
    .option('--log-max-files <n>', 'log files kept per container (default 5)')
    .option('--log-level <level>', 'debug, info, warn or error (default info)')
    .option('--insecure-registry <host>', 'reach this registry over plain HTTP (repeatable)', collect, [])
    .option(
      '--registry-config-dir <dir>',
      'folder of <registry>/hosts.toml files: mirrors, TLS (default /etc/hostpod/certs.d)',
    )
    .option('--service-account-token-file <file>', 'the token projected serviceAccountToken volumes hold')
    .option(
      '--cluster-dns <ip>',
      "the cluster DNS service's IP for pods with dnsPolicy ClusterFirstWithHostNet (repeatable or comma-separated)",
      collect,
      [],
    )
    .option('--cluster-domain <domain>', 'the cluster domain pods search (e.g. cluster.local)')
    .option('--resolv-conf <file>', "the host resolver file pods' DNS starts from (default /etc/resolv.conf)")
    .option(
      '--stop-pods-on-exit',
      'stop every pod when the daemon is stopped (default: only at a system shutdown)',
    )
    .action(async (flags: DaemonFlags) => {
      requireRoot(ctx, 'hostpod daemon');
      // A long-lived process whose live heap is small (≈15 MB with 100 pods): small young
      // generations and V8's memory-saving mode keep its RSS at ≈79 MB with 100 pods instead of
      // ≈105 MB (docs/performance.md, "Daemon"), for a little more GC time.
      const v8 = await import('node:v8');
      v8.setFlagsFromString('--max-semi-space-size=1');
      v8.setFlagsFromString('--optimize-for-size');
      const { buildConfig, DEFAULT_CONFIG_FILE, readConfigFile } = await import('../../daemon/config.ts');
      const { startDaemon } = await import('../../daemon/daemon.ts');
      const file = await readConfigFile(flags.config ?? DEFAULT_CONFIG_FILE, flags.config !== undefined);
      const labels: Record<string, string> = {};
      for (const l of flags.nodeLabel) {
        const i = l.indexOf('=');
        if (i <= 0) {
          const { RuntimeError } = await import('../../errors.ts');
          throw new RuntimeError('InvalidArgument', `--node-label "${l}": expected KEY=VALUE`);
        }
        labels[l.slice(0, i)] = l.slice(i + 1);
      }
      const config = buildConfig(
        file,
        {
          root: flags.root,
          socket: flags.socket,
          socketGroup: flags.socketGroup,
          layout: flags.layout,
          cgroupParent: flags.cgroupParent,
          nodeName: flags.nodeName,
          nodeLabels:
            flags.nodeLabel.length > 0 ? { ...((file.nodeLabels as object) ?? {}), ...labels } : undefined,
          metricsAddress: flags.metricsAddress,
          staticPodDir: flags.staticPodDir,
          staticPodValidate: flags.staticPodValidate,
          workspace: flags.workspace,
          serviceAccounts:
            flags.serviceAccountLocalService !== undefined || flags.serviceAccountNetworkService !== undefined
              ? {
                  ...((file.serviceAccounts as object) ?? {}),
                  ...(flags.serviceAccountLocalService !== undefined
                    ? { localService: flags.serviceAccountLocalService }
                    : {}),
                  ...(flags.serviceAccountNetworkService !== undefined
                    ? { networkService: flags.serviceAccountNetworkService }
                    : {}),
                }
              : undefined,
          logMaxSize: flags.logMaxSize,
          logMaxFiles: flags.logMaxFiles,
          logLevel: flags.logLevel,
          insecureRegistries: flags.insecureRegistry.length > 0 ? flags.insecureRegistry : undefined,
          registryConfigDir: flags.registryConfigDir,
          serviceAccountTokenFile: flags.serviceAccountTokenFile,
          clusterDNS: flags.clusterDns.length > 0 ? flags.clusterDns.join(',') : undefined,
          clusterDomain: flags.clusterDomain,
          resolvConf: flags.resolvConf,
        },
        flags.config ?? 'flags',
      );
      // Test hooks (undocumented): scaled time constants, a crash at an injected point.
      const timing = ctx.env.HOSTPOD_TEST_TIMING ? parsePodTiming(ctx.env.HOSTPOD_TEST_TIMING) : undefined;
      const crashAt = ctx.env.HOSTPOD_TEST_CRASH_AT as CrashPoint | undefined;
      if (crashAt !== undefined && !(CRASH_POINTS as readonly string[]).includes(crashAt))
        throw new RuntimeError('InvalidArgument', `unknown crash point "${crashAt}"`, {
          hint: `known points: ${CRASH_POINTS.join(', ')}`,
        });
      const diskCheckMs = ctx.env.HOSTPOD_TEST_CHECK_MS ? Number(ctx.env.HOSTPOD_TEST_CHECK_MS) : undefined;
      const daemon = await startDaemon(config, {
        pid: ctx.pid ?? 0,
        version: VERSION,
        logStream: ctx.stderr,
        ...(timing ? { timing } : {}),
        ...(crashAt ? { crashAt } : {}),
        ...(diskCheckMs ? { diskCheckMs } : {}),
        ...(ctx.env.NOTIFY_SOCKET ? { notifySocket: ctx.env.NOTIFY_SOCKET } : {}),
      });
      await new Promise<void>((resolve) => {
        const off = ctx.onInterrupt?.(() => {
          off?.();
          resolve();
        });
      });
      await daemon.stop({ stopPods: flags.stopPodsOnExit === true });
    });
}
