import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  CRASH_POINTS
} from "./chunk-HAEYJPPN.js";
import {
  parsePodTiming
} from "./chunk-QL4N77DE.js";
import {
  requireRoot
} from "./chunk-YBYFGBWB.js";
import "./chunk-A75RLU2C.js";
import "./chunk-AVR7YWR3.js";
import {
  VERSION
} from "./chunk-2FNJJ65N.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/daemon.ts
var collect = (v, prev) => [...prev, v];
function registerDaemon(program, ctx) {
  program.command("daemon").summary("run the node daemon: pods kept running, a local API, metrics, static pods").description(
    "Run hostpod as a node supervisor. Pods applied through its API (hostpod apply)\nor found in the static pod directory are kept running per their restartPolicy;\ntheir state is kept in <root>/state.db. The containers outlive the daemon:\nwhen it is stopped (SIGTERM, SIGINT) or killed, they keep running and logging,\nand the next daemon adopts them. The API is served on a unix socket only root\n(or --socket-group) can open; metrics in the Prometheus text format on\n--metrics-address. Logs are JSON lines on stderr.\n\nSettings come from the config file (--config, default /etc/hostpod/config.yaml\nwhen it exists; see contrib/config.yaml), each overridden by its flag.\nNeeds root. docs/node-service.md explains running it under systemd.\n\nExit codes: 0 stopped by a signal, 2 bad configuration, 4 another daemon uses\nthe root or the state database is newer, 5 not root, 7 the state database is\ndamaged."
  ).option("--config <file>", "configuration file (YAML)").option("--root <dir>", "state root (default /var/lib/hostpod)").option("--socket <path>", "API socket (default /run/hostpod/hostpod.sock)").option("--socket-group <group>", "a group whose members may use the API besides root").option("--layout <layout>", "workspace layout: bind or symlink (default bind)").option("--cgroup-parent <path>", "cgroup under which the containers' jobs are made").option("--node-name <name>", "the node name pods are matched against (default the host name)").option(
    "--node-label <key=value>",
    "a label of this node for nodeSelector/affinity (repeatable)",
    collect,
    []
  ).option(
    "--metrics-address <host:port>",
    "Prometheus metrics address, '' for none (default 127.0.0.1:9470)"
  ).option("--static-pod-dir <dir>", "static pod directory, '' for none (default /etc/hostpod/manifests)").option("--log-max-size <size>", "rotate a container's log at this size (default 10Mi)").option("--log-max-files <n>", "log files kept per container (default 5)").option("--log-level <level>", "debug, info, warn or error (default info)").option("--insecure-registry <host>", "reach this registry over plain HTTP (repeatable)", collect, []).option(
    "--registry-config-dir <dir>",
    "folder of <registry>/hosts.toml files: mirrors, TLS (default /etc/hostpod/certs.d)"
  ).option("--service-account-token-file <file>", "the token projected serviceAccountToken volumes hold").option("--stop-pods-on-exit", "stop every pod when the daemon is stopped (default: leave them running)").action(async (flags) => {
    requireRoot(ctx, "hostpod daemon");
    const v8 = await import("node:v8");
    v8.setFlagsFromString("--max-semi-space-size=1");
    v8.setFlagsFromString("--optimize-for-size");
    const { buildConfig, DEFAULT_CONFIG_FILE, readConfigFile } = await import("./config-YL5WMQTC.js");
    const { startDaemon } = await import("./daemon-YA4ABXOE.js");
    const file = await readConfigFile(flags.config ?? DEFAULT_CONFIG_FILE, flags.config !== void 0);
    const labels = {};
    for (const l of flags.nodeLabel) {
      const i = l.indexOf("=");
      if (i <= 0) {
        const { RuntimeError: RuntimeError2 } = await import("./errors-QJBL525Z.js");
        throw new RuntimeError2("InvalidArgument", `--node-label "${l}": expected KEY=VALUE`);
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
        nodeLabels: flags.nodeLabel.length > 0 ? { ...file.nodeLabels ?? {}, ...labels } : void 0,
        metricsAddress: flags.metricsAddress,
        staticPodDir: flags.staticPodDir,
        logMaxSize: flags.logMaxSize,
        logMaxFiles: flags.logMaxFiles,
        logLevel: flags.logLevel,
        insecureRegistries: flags.insecureRegistry.length > 0 ? flags.insecureRegistry : void 0,
        registryConfigDir: flags.registryConfigDir,
        serviceAccountTokenFile: flags.serviceAccountTokenFile
      },
      flags.config ?? "flags"
    );
    const timing = ctx.env.HOSTPOD_TEST_TIMING ? parsePodTiming(ctx.env.HOSTPOD_TEST_TIMING) : void 0;
    const crashAt = ctx.env.HOSTPOD_TEST_CRASH_AT;
    if (crashAt !== void 0 && !CRASH_POINTS.includes(crashAt))
      throw new RuntimeError("InvalidArgument", `unknown crash point "${crashAt}"`, {
        hint: `known points: ${CRASH_POINTS.join(", ")}`
      });
    const diskCheckMs = ctx.env.HOSTPOD_TEST_CHECK_MS ? Number(ctx.env.HOSTPOD_TEST_CHECK_MS) : void 0;
    const daemon = await startDaemon(config, {
      pid: ctx.pid ?? 0,
      version: VERSION,
      logStream: ctx.stderr,
      ...timing ? { timing } : {},
      ...crashAt ? { crashAt } : {},
      ...diskCheckMs ? { diskCheckMs } : {}
    });
    await new Promise((resolve) => {
      const off = ctx.onInterrupt?.(() => {
        off?.();
        resolve();
      });
    });
    await daemon.close({ stopPods: flags.stopPodsOnExit === true });
  });
}
export {
  registerDaemon
};
