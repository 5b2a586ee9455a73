import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  isAlive,
  readProcStat,
  readProcStatSync
} from "./chunk-AVR7YWR3.js";
import {
  RuntimeError,
  errnoCode,
  isRuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/services/records.ts
import { randomBytes } from "node:crypto";
import { join } from "node:path";
function containersDir(root) {
  return join(root, "containers");
}
function containerDir(root, id) {
  return join(containersDir(root), id);
}
function taskDir(root, id) {
  return join(containerDir(root, id), "task");
}
function logPath(root, id) {
  return join(containerDir(root, id), "container.log");
}
function newContainerId() {
  return `c${randomBytes(16).toString("hex")}`;
}
async function processStartTime(pid) {
  return (await readProcStat(pid))?.startTime;
}
async function selfOwner(pid) {
  return { pid, startTime: await processStartTime(pid) ?? "" };
}
function ownerAlive(owner) {
  return isAlive({ pid: owner.pid, startTime: owner.startTime });
}

// src/services/node.ts
import { hostname, networkInterfaces } from "node:os";
function goArch(arch2) {
  return { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" }[arch2] ?? arch2;
}
function hostIp() {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}
function localNode(options) {
  const name = options.name ?? hostname().toLowerCase();
  return {
    name,
    ip: options.ip,
    labels: {
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": goArch(options.arch),
      "kubernetes.io/hostname": name,
      ...options.extraLabels
    }
  };
}
function matches(req, labels) {
  const v = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return v !== void 0 && values.includes(v);
    case "NotIn":
      return v === void 0 || !values.includes(v);
    case "Exists":
      return v !== void 0;
    case "DoesNotExist":
      return v === void 0;
    case "Gt":
    case "Lt": {
      if (v === void 0 || values[0] === void 0) return false;
      const a = Number.parseInt(v, 10);
      const b = Number.parseInt(values[0], 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return req.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}
function nodeMismatch(spec, node) {
  if (spec.nodeName && spec.nodeName.toLowerCase() !== node.name) {
    return `spec.nodeName is "${spec.nodeName}" but this node is "${node.name}"`;
  }
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (node.labels[k] !== v) {
      return `nodeSelector ${k}=${v} does not match this node (${k}=${node.labels[k] ?? "<unset>"})`;
    }
  }
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0) {
    const fits = terms.some((t) => (t.matchExpressions ?? []).every((r) => matches(r, node.labels)));
    if (!fits) {
      const first = terms[0]?.matchExpressions?.find((r) => !matches(r, node.labels));
      return `required node affinity does not match this node${first ? ` (${first.key} ${first.operator} [${(first.values ?? []).join(", ")}], node has ${first.key}=${node.labels[first.key] ?? "<unset>"})` : ""}`;
    }
  }
  return void 0;
}

// src/services/runtime-deps.ts
import { arch } from "node:os";

// src/lib/instance-id.ts
import { createHash } from "node:crypto";
function instanceId(root) {
  return createHash("sha256").update(root).digest("hex").slice(0, 12);
}

// src/runtime/group/group-manager.ts
import { existsSync, mkdirSync } from "node:fs";
import { mkdir, readdir as readdir2, readFile as readFile2 } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { posix as posix2 } from "node:path";

// src/lib/rollback.ts
var Rollback = class {
  #steps = [];
  /** Registers `undo` for the resource just acquired, described by `what`. */
  add(what, undo) {
    this.#steps.push({ what, undo });
  }
  /** Forgets every registered step: the operation succeeded. */
  commit() {
    this.#steps.length = 0;
  }
  /** Runs every registered step in reverse order; failures are collected, not thrown. */
  async rollback() {
    const failures = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop();
      try {
        await step.undo();
      } catch (error) {
        failures.push({ what: step.what, error });
      }
    }
    return failures;
  }
};

// src/runtime/group/cgroup-fs.ts
import { readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
var ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
function checkGroupId(id) {
  if (!ID.test(id) || id === "." || id === "..") {
    throw new RuntimeError("InvalidArgument", `Cannot use "${id}" as a job id: not a safe cgroup name`, {
      hint: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128.'
    });
  }
}
async function readPids(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENODEV") return [];
    throw err;
  }
  const out = [];
  for (const line of text.split("\n")) {
    const n = Number.parseInt(line, 10);
    if (n > 0) out.push(n);
  }
  return out;
}
async function readKeyed(file) {
  const out = /* @__PURE__ */ new Map();
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return out;
    throw err;
  }
  for (const line of text.split("\n")) {
    const [k, v] = line.split(" ");
    if (k && v !== void 0) out.set(k, Number(v));
  }
  return out;
}
async function readNumber(file) {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isFinite(n) ? n : 0;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return 0;
    throw err;
  }
}
function writeControl(file, value) {
  try {
    writeFileSync(file, value);
  } catch (err) {
    const code = errnoCode(err);
    throw new RuntimeError(
      code === "EACCES" || code === "EPERM" ? "PermissionDenied" : "FailedPrecondition",
      `Cannot write "${value}" to ${file}: ${code ?? String(err)}`,
      {
        hint: code === "EACCES" || code === "EPERM" ? "Run hostpod as root, or give it a delegated cgroup as its parent." : code === "EBUSY" ? "cgroup v2 allows no controllers in a cgroup that holds processes: configure a cgroup parent outside hostpod's own cgroup (e.g. /hostpod.slice)." : "Check that the controller is enabled for hostpod's cgroup parent.",
        cause: err
      }
    );
  }
}
async function removeCgroupDirs(dirs, timeoutMs = 2e3) {
  const deadline = Date.now() + timeoutMs;
  for (const dir of dirs) {
    for (; ; ) {
      try {
        rmdirSync(dir);
        break;
      } catch (err) {
        const code = errnoCode(err);
        if (code === "ENOENT") break;
        if (code === "EBUSY" && Date.now() < deadline) {
          await sleep(10);
          continue;
        }
        throw new RuntimeError("FailedPrecondition", `Cannot remove cgroup ${dir}: ${code ?? String(err)}`, {
          hint: "A process may still be in it; kill it and retry.",
          cause: err
        });
      }
    }
  }
}
function signalPids(pids, signal) {
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      n++;
    } catch (err) {
      if (errnoCode(err) !== "ESRCH") throw err;
    }
  }
  return n;
}
async function pollEmpty(pids, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (; ; ) {
    if ((await pids()).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 50);
  }
}

// src/runtime/group/cgroup-group.ts
import { readFileSync as readFileSync2 } from "node:fs";
import { setTimeout as sleep2 } from "node:timers/promises";
var KILL_TIMEOUT_MS = 1e4;
var CgroupGroup = class {
  constructor(id, dirs) {
    this.id = id;
    this.dirs = dirs;
    const unique = [.../* @__PURE__ */ new Set([dirs.unified, dirs.memory, dirs.cpu, dirs.cpuacct, dirs.pids, dirs.freezer])];
    this.procsFiles = unique.filter((d) => d !== void 0).map((d) => `${d}/cgroup.procs`);
    const first = this.procsFiles[0];
    if (first === void 0) throw new RuntimeError("Internal", `Job "${id}" has no cgroup directory`);
    this.membership = first;
    this.killFile = dirs.unified === void 0 ? void 0 : `${dirs.unified}/cgroup.kill`;
  }
  id;
  dirs;
  procsFiles;
  killFile;
  /** The `cgroup.procs` that lists every process of the job. */
  membership;
  adopt(_shimPid) {
  }
  pids() {
    return readPids(this.membership);
  }
  async signalAll(signal) {
    return signalPids(await this.pids(), signal);
  }
  waitEmpty(timeoutMs) {
    return pollEmpty(() => this.pids(), timeoutMs);
  }
  async kill() {
    const deadline = Date.now() + KILL_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const pids = await this.pids();
      if (pids.length === 0) return;
      if (this.killFile !== void 0) {
        writeControl(this.killFile, "1");
      } else if (this.dirs.freezer !== void 0) {
        await this.freeze("FROZEN");
        signalPids(await this.pids(), "SIGKILL");
        await this.freeze("THAWED");
      } else {
        signalPids(pids, "SIGKILL");
      }
      if (await pollEmpty(() => this.pids(), Math.min(500, deadline - Date.now()))) return;
    }
    throw new RuntimeError("DeadlineExceeded", `Cannot kill job "${this.id}": processes survive SIGKILL`, {
      hint: "A process may be stuck in the kernel (state D); see ps for the job."
    });
  }
  async freeze(state) {
    const file = `${this.dirs.freezer}/freezer.state`;
    writeControl(file, state);
    for (let i = 0; i < 100 && state === "FROZEN"; i++) {
      if (readFileSync2(file, "utf8").trim() === "FROZEN") return;
      await sleep2(5);
    }
  }
  async destroy() {
    if ((await this.pids()).length > 0) await this.kill();
    const dirs = [...new Set(Object.values(this.dirs))].reverse();
    await removeCgroupDirs(dirs);
  }
};
var CgroupV2Group = class extends CgroupGroup {
  kind = "v2";
  get dir() {
    return this.dirs.unified;
  }
  applyLimits(l) {
    if (l.memoryMaxBytes !== void 0) writeControl(`${this.dir}/memory.max`, String(l.memoryMaxBytes));
    if (l.cpuQuotaUs !== void 0) writeControl(`${this.dir}/cpu.max`, `${l.cpuQuotaUs} ${l.cpuPeriodUs}`);
    if (l.cpuWeight !== void 0) writeControl(`${this.dir}/cpu.weight`, String(l.cpuWeight));
    if (l.pidsMax !== void 0) writeControl(`${this.dir}/pids.max`, String(l.pidsMax));
  }
  async stats() {
    const [cpu, usage, mem, events, pids] = await Promise.all([
      readKeyed(`${this.dir}/cpu.stat`),
      readNumber(`${this.dir}/memory.current`),
      readKeyed(`${this.dir}/memory.stat`),
      readKeyed(`${this.dir}/memory.events`),
      this.pids()
    ]);
    return {
      cpuUsageNs: (cpu.get("usage_usec") ?? 0) * 1e3,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - (mem.get("inactive_file") ?? 0)),
      processCount: pids.length,
      oomKillCount: events.get("oom_kill") ?? 0
    };
  }
};
var HybridCgroupGroup = class extends CgroupGroup {
  kind;
  constructor(id, dirs) {
    super(id, dirs);
    this.kind = dirs.unified === void 0 ? "v1" : "hybrid";
  }
  applyLimits(l) {
    const need = (ctrl) => {
      const dir = this.dirs[ctrl];
      if (dir === void 0) {
        throw new RuntimeError(
          "FailedPrecondition",
          `Cannot limit job "${this.id}": no ${ctrl} cgroup controller`,
          {
            hint: `Mount the cgroup v1 ${ctrl} controller, or remove the limit.`
          }
        );
      }
      return dir;
    };
    if (l.memoryMaxBytes !== void 0)
      writeControl(`${need("memory")}/memory.limit_in_bytes`, String(l.memoryMaxBytes));
    if (l.cpuQuotaUs !== void 0) {
      writeControl(`${need("cpu")}/cpu.cfs_period_us`, String(l.cpuPeriodUs));
      writeControl(`${need("cpu")}/cpu.cfs_quota_us`, String(l.cpuQuotaUs));
    }
    if (l.cpuShares !== void 0) writeControl(`${need("cpu")}/cpu.shares`, String(l.cpuShares));
    if (l.pidsMax !== void 0) writeControl(`${need("pids")}/pids.max`, String(l.pidsMax));
  }
  async stats() {
    const { memory, cpuacct, unified } = this.dirs;
    const [cpuNs, cpuStat, usage, mem, oom, pids] = await Promise.all([
      cpuacct === void 0 ? 0 : readNumber(`${cpuacct}/cpuacct.usage`),
      unified === void 0 || cpuacct !== void 0 ? /* @__PURE__ */ new Map() : readKeyed(`${unified}/cpu.stat`),
      memory === void 0 ? 0 : readNumber(`${memory}/memory.usage_in_bytes`),
      memory === void 0 ? /* @__PURE__ */ new Map() : readKeyed(`${memory}/memory.stat`),
      memory === void 0 ? /* @__PURE__ */ new Map() : readKeyed(`${memory}/memory.oom_control`),
      this.pids()
    ]);
    return {
      cpuUsageNs: cpuacct === void 0 ? (cpuStat.get("usage_usec") ?? 0) * 1e3 : cpuNs,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - (mem.get("total_inactive_file") ?? 0)),
      processCount: pids.length,
      oomKillCount: oom.get("oom_kill") ?? 0
    };
  }
};

// src/runtime/group/layout.ts
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
var V1_CONTROLLERS = ["memory", "cpu", "cpuacct", "pids", "freezer"];
function unescapeOctal(s) {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8)));
}
function parseMountinfo(text) {
  const mounts = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const sep = fields.indexOf("-");
    if (sep < 6 || fields.length < sep + 4) continue;
    mounts.push({
      root: unescapeOctal(fields[3] ?? "/"),
      mountPoint: unescapeOctal(fields[4] ?? ""),
      fsType: fields[sep + 1] ?? "",
      superOptions: (fields[sep + 3] ?? "").split(",")
    });
  }
  return mounts;
}
function parseProcCgroup(text) {
  const out = /* @__PURE__ */ new Map();
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, ctrls, path] = m;
    if (id === "0" && ctrls === "") out.set("0", path);
    else for (const c of ctrls.split(",")) out.set(c, path);
  }
  return out;
}
function ownInside(path, mountRoot) {
  if (path === void 0) return "/";
  if (mountRoot === "/") return path || "/";
  const rel = posix.relative(mountRoot, path);
  return rel.startsWith("..") ? "/" : `/${rel}`.replace(/\/$/, "") || "/";
}
function detectCgroupLayout(mountinfo, procSelfCgroup) {
  const mounts = parseMountinfo(mountinfo);
  const paths = parseProcCgroup(procSelfCgroup);
  const controllers = {};
  let unified;
  for (const m of mounts) {
    if (m.fsType === "cgroup2") {
      unified ??= { mount: m.mountPoint, own: ownInside(paths.get("0"), m.root) };
    } else if (m.fsType === "cgroup") {
      for (const c of V1_CONTROLLERS) {
        if (m.superOptions.includes(c) && controllers[c] === void 0) {
          controllers[c] = { mount: m.mountPoint, own: ownInside(paths.get(c), m.root) };
        }
      }
    }
  }
  const hasV1 = Object.keys(controllers).length > 0;
  if (hasV1 && controllers.memory === void 0 && unified === void 0) {
    return { kind: "none", reason: "the cgroup v1 memory controller is not mounted" };
  }
  if (hasV1 && unified) return { kind: "hybrid", unified, controllers };
  if (hasV1) return { kind: "v1", controllers };
  if (unified) return { kind: "v2", unified };
  return { kind: "none", reason: "no cgroup filesystem is mounted" };
}
async function readCgroupLayout() {
  try {
    const [mountinfo, cgroup] = await Promise.all([
      readFile("/proc/self/mountinfo", "utf8"),
      readFile("/proc/self/cgroup", "utf8")
    ]);
    return detectCgroupLayout(mountinfo, cgroup);
  } catch (err) {
    return { kind: "none", reason: `cannot read /proc/self: ${String(err)}` };
  }
}

// src/runtime/group/limits.ts
var CPU_PERIOD_US = 1e5;
var MIN_CPU_QUOTA_US = 1e3;
var MIB = 1024 * 1024;
function memoryLimitBytes(bytes) {
  const mib = Math.floor(bytes / MIB);
  return mib > 0 ? mib * MIB : void 0;
}
function cpuMaximum(limitMilli, hostCpus) {
  const rate = Math.trunc(10 * limitMilli / hostCpus);
  return Math.min(1e4, Math.max(1, rate));
}
function cpuQuotaUs(rate, hostCpus, periodUs = CPU_PERIOD_US) {
  return Math.max(MIN_CPU_QUOTA_US, Math.floor(rate * hostCpus * periodUs / 1e4));
}
function cpuShares(milli) {
  const shares = Math.trunc(milli * 1024 / 1e3);
  return Math.min(262144, Math.max(2, shares));
}
function cpuWeightFromShares(shares) {
  return 1 + Math.trunc((shares - 2) * 9999 / 262142);
}
function cgroupLimits(limits, hostCpus) {
  for (const [key, value] of Object.entries(limits)) {
    if (value !== void 0 && (!Number.isFinite(value) || value < 0)) {
      throw new RuntimeError("InvalidArgument", `Cannot apply job limits: ${key} is ${String(value)}`, {
        hint: "Limits are non-negative numbers."
      });
    }
  }
  const out = { cpuPeriodUs: CPU_PERIOD_US };
  if (limits.memoryBytes !== void 0) {
    const bytes = memoryLimitBytes(limits.memoryBytes);
    if (bytes !== void 0) out.memoryMaxBytes = bytes;
  }
  if (limits.cpuLimitMilli !== void 0 && limits.cpuLimitMilli > 0) {
    out.cpuQuotaUs = cpuQuotaUs(cpuMaximum(limits.cpuLimitMilli, hostCpus), hostCpus);
  }
  if (limits.cpuRequestMilli !== void 0 && limits.cpuRequestMilli > 0) {
    out.cpuShares = cpuShares(limits.cpuRequestMilli);
    out.cpuWeight = cpuWeightFromShares(out.cpuShares);
  }
  if (limits.pidsMax !== void 0 && limits.pidsMax > 0) out.pidsMax = Math.floor(limits.pidsMax);
  return out;
}

// src/runtime/group/no-cgroup.ts
import { readdir } from "node:fs/promises";
var CLK_TCK = 100;
var SHIM_COMM = "hostpod-shim";
var PAGE = 4096;
async function readProcTable() {
  const names = (await readdir("/proc")).filter((n) => /^[1-9]\d*$/.test(n));
  const rows = await Promise.all(
    names.map(async (n) => {
      const st = await readProcStat(Number(n));
      if (st === void 0 || st.state === "Z" || st.state === "X") return void 0;
      return { pid: st.pid, ppid: st.ppid, cpuTicks: st.cpuTicks, rssPages: st.rssPages };
    })
  );
  return rows.filter((r) => r !== void 0);
}
var NoCgroupGroup = class {
  constructor(id, shimPid, shimStartTime) {
    this.id = id;
    if (shimPid !== void 0) this.shim = { pid: shimPid, startTime: shimStartTime ?? "", comm: SHIM_COMM };
  }
  id;
  kind = "none";
  procsFiles = [];
  killFile = void 0;
  shim;
  /** Called right after the shim reported its start: its start time is read now, while it runs. */
  adopt(shimPid) {
    this.shim = { pid: shimPid, startTime: readProcStatSync(shimPid)?.startTime ?? "", comm: SHIM_COMM };
  }
  async entries() {
    const shim = this.shim;
    if (shim === void 0 || !await isAlive(shim)) return [];
    const root = shim.pid;
    const table = await readProcTable();
    const members = /* @__PURE__ */ new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const e of table) {
        if (!members.has(e.pid) && members.has(e.ppid)) {
          members.add(e.pid);
          grew = true;
        }
      }
    }
    return table.filter((e) => e.pid !== root && members.has(e.pid));
  }
  async pids() {
    return (await this.entries()).map((e) => e.pid);
  }
  async signalAll(signal) {
    return signalPids(await this.pids(), signal);
  }
  waitEmpty(timeoutMs) {
    return pollEmpty(() => this.pids(), timeoutMs);
  }
  async kill() {
    for (let round = 0; round < 50; round++) {
      const pids = await this.pids();
      if (pids.length === 0) return;
      signalPids(pids, "SIGSTOP");
      signalPids(await this.pids(), "SIGKILL");
      if (await pollEmpty(() => this.pids(), 200)) return;
    }
    throw new RuntimeError("DeadlineExceeded", `Cannot kill job "${this.id}": processes survive SIGKILL`);
  }
  async stats() {
    const entries = await this.entries();
    let ticks = 0;
    let pages = 0;
    for (const e of entries) {
      ticks += e.cpuTicks;
      pages += e.rssPages;
    }
    return {
      cpuUsageNs: ticks * 1e9 / CLK_TCK,
      memoryUsageBytes: pages * PAGE,
      memoryWorkingSetBytes: pages * PAGE,
      processCount: entries.length,
      oomKillCount: 0
    };
  }
  async destroy() {
    try {
      await this.kill();
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
    }
  }
};
var NoCgroupManager = class {
  kind = "none";
  warning;
  constructor(reason) {
    this.warning = `cgroups are not available (${reason}): resource limits are off, stats are approximate, and processes started by exec are not part of the job`;
  }
  async create(id, _limits) {
    checkGroupId(id);
    return new NoCgroupGroup(id);
  }
  open(id, options = {}) {
    checkGroupId(id);
    return new NoCgroupGroup(id, options.shimPid, options.shimStartTime);
  }
  async listOrphans(_live) {
    return [];
  }
};

// src/runtime/group/group-manager.ts
var INSTANCE = /^[a-z0-9]{1,32}$/;
var V2_CONTROLLERS = ["memory", "cpu", "pids"];
function checkParent(parent) {
  if (!parent.startsWith("/") || parent.split("/").some((c) => c === ".." || c === ".")) {
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot use "${parent}" as the cgroup parent: not an absolute cgroup path`,
      {
        hint: "Give a path such as /hostpod, relative to the root of each cgroup hierarchy."
      }
    );
  }
}
var CgroupManager = class {
  kind;
  warning = void 0;
  /** The parent directory of the jobs, per hierarchy. */
  parents = {};
  instance;
  hostCpus;
  prepared;
  constructor(layout, options = {}) {
    if (options.parent !== void 0) checkParent(options.parent);
    if (options.instance !== void 0 && !INSTANCE.test(options.instance)) {
      throw new RuntimeError("InvalidArgument", `Cannot use "${options.instance}" as an instance id`);
    }
    this.instance = options.instance;
    this.kind = layout.kind;
    this.hostCpus = options.hostCpus ?? availableParallelism();
    const parentIn = (h) => posix2.join(h.mount, options.parent ?? posix2.join(h.own, "hostpod"));
    if (layout.kind !== "v1") this.parents.unified = parentIn(layout.unified);
    if (layout.kind !== "v2") {
      const wanted = layout.kind === "hybrid" ? ["memory", "cpu", "cpuacct", "pids"] : ["memory", "cpu", "cpuacct", "pids", "freezer"];
      for (const c of wanted) {
        const h = layout.controllers[c];
        if (h !== void 0) this.parents[c] = parentIn(h);
      }
    }
  }
  /** The cgroup directory name of job `id`: `<instance>-<id>`, or `id` without an instance. */
  jobName(id) {
    return this.instance === void 0 ? id : `${this.instance}-${id}`;
  }
  dirsOf(name) {
    const dirs = {};
    for (const [role, parent] of Object.entries(this.parents)) {
      dirs[role] = posix2.join(parent, name);
    }
    return dirs;
  }
  groupOf(id, name = this.jobName(id)) {
    const dirs = this.dirsOf(name);
    return this.kind === "v2" ? new CgroupV2Group(id, dirs) : new HybridCgroupGroup(id, dirs);
  }
  /**
   * Creates the parent directories once; on v2 enables the controllers down to the parent.
   * Throws `PermissionDenied` / `FailedPrecondition` when the host refuses.
   */
  prepare() {
    this.prepared ??= (async () => {
      for (const dir of new Set(Object.values(this.parents))) {
        await mkdir(dir, { recursive: true }).catch((err) => {
          throw new RuntimeError(
            errnoCode(err) === "EACCES" || errnoCode(err) === "EPERM" ? "PermissionDenied" : "FailedPrecondition",
            `Cannot create the cgroup parent ${dir}: ${errnoCode(err) ?? String(err)}`,
            { hint: "Run hostpod as root, or configure a cgroup parent it may write to.", cause: err }
          );
        });
      }
      const unified = this.parents.unified;
      if (this.kind === "v2" && unified !== void 0) await enableControllers(unified);
    })();
    this.prepared.catch(() => {
      this.prepared = void 0;
    });
    return this.prepared;
  }
  async create(id, limits = {}) {
    checkGroupId(id);
    checkGroupId(this.jobName(id));
    const values = cgroupLimits(limits, this.hostCpus);
    await this.prepare();
    const group = this.groupOf(id);
    const rollback = new Rollback();
    try {
      for (const dir of new Set(Object.values(this.dirsOf(this.jobName(id))))) {
        try {
          mkdirSync(dir);
        } catch (err) {
          if (errnoCode(err) === "EEXIST") {
            throw new RuntimeError("AlreadyExists", `Cannot create job "${id}": cgroup ${dir} exists`, {
              hint: "A job with this id is running or was left by a crash; destroy it first."
            });
          }
          throw new RuntimeError(
            errnoCode(err) === "EACCES" || errnoCode(err) === "EPERM" ? "PermissionDenied" : "FailedPrecondition",
            `Cannot create cgroup ${dir}: ${errnoCode(err) ?? String(err)}`,
            { cause: err }
          );
        }
        rollback.add(`cgroup ${dir}`, () => removeCgroupDirs([dir]));
      }
      group.applyLimits(values);
    } catch (err) {
      await rollback.rollback();
      throw err;
    }
    rollback.commit();
    return group;
  }
  /**
   * The job `id`. A job made before jobs carried their instance (named by its id alone) is
   * found under that name when only it exists, so containers started by an older hostpod are
   * re-adopted and stopped after an upgrade.
   */
  open(id, _options) {
    checkGroupId(id);
    const name = this.jobName(id);
    if (name !== id) {
      const first = Object.values(this.parents)[0];
      if (first !== void 0 && !existsSync(posix2.join(first, name)) && existsSync(posix2.join(first, id))) {
        return this.groupOf(id, id);
      }
    }
    return this.groupOf(id);
  }
  /**
   * Ids of this instance's jobs under the parent that are not in `live`: left by a crash. With
   * an instance, other instances' jobs — and jobs named the old way, whose owner cannot be
   * told — are never listed; without one, every job under the parent is.
   */
  async listOrphans(live) {
    const keep = new Set(live);
    const found = /* @__PURE__ */ new Set();
    const prefix = this.instance === void 0 ? "" : `${this.instance}-`;
    for (const parent of new Set(Object.values(this.parents))) {
      let entries;
      try {
        entries = await readdir2(parent, { withFileTypes: true });
      } catch (err) {
        if (errnoCode(err) === "ENOENT") continue;
        throw err;
      }
      for (const e of entries) {
        if (!e.isDirectory() || !e.name.startsWith(prefix)) continue;
        const id = e.name.slice(prefix.length);
        if (id !== "" && !keep.has(id)) found.add(id);
      }
    }
    return [...found].sort();
  }
};
async function enableControllers(parent) {
  const chain = [];
  for (let dir = parent; ; dir = posix2.dirname(dir)) {
    chain.unshift(dir);
    let isRoot = false;
    try {
      await readFile2(posix2.join(posix2.dirname(dir), "cgroup.controllers"), "utf8");
    } catch {
      isRoot = true;
    }
    if (isRoot || dir === "/") break;
  }
  for (const dir of chain) {
    let available;
    try {
      available = (await readFile2(posix2.join(dir, "cgroup.controllers"), "utf8")).trim().split(/\s+/);
    } catch {
      continue;
    }
    const want = V2_CONTROLLERS.filter((c) => available.includes(c));
    if (want.length > 0)
      writeControl(posix2.join(dir, "cgroup.subtree_control"), want.map((c) => `+${c}`).join(" "));
  }
}
async function createGroupManager(options = {}) {
  const { layout: given, fallback = true, ...rest } = options;
  const layout = given ?? await readCgroupLayout();
  if (layout.kind === "none") return new NoCgroupManager(layout.reason);
  const manager = new CgroupManager(layout, rest);
  try {
    await manager.prepare();
  } catch (err) {
    if (!fallback || !isRuntimeError(err, "PermissionDenied")) throw err;
    return new NoCgroupManager(`hostpod may not create cgroups here: ${err.message}`);
  }
  return manager;
}

// src/services/runtime-deps.ts
async function hostRuntimeDeps(o) {
  const groups = await createGroupManager({
    ...o.cgroupParent ? { parent: o.cgroupParent } : {},
    instance: instanceId(o.root)
  });
  const node = localNode({
    arch: arch(),
    ip: o.nodeIp ?? hostIp(),
    ...o.nodeName ? { name: o.nodeName } : {},
    ...o.nodeLabels ? { extraLabels: o.nodeLabels } : {}
  });
  const owner = await selfOwner(o.pid);
  return {
    root: o.root,
    records: o.records,
    layout: o.layout ?? "bind",
    groups,
    node,
    owner: o.daemon ? { ...owner, daemon: true } : owner,
    ...o.workspace ? { workspaceMode: o.workspace } : {},
    ...o.logRotation ? { logRotation: o.logRotation } : {},
    ...o.serviceAccounts ? { serviceAccounts: o.serviceAccounts } : {},
    ...o.shutdownGraceMs !== void 0 ? { shutdownGraceMs: o.shutdownGraceMs } : {},
    ...o.onStep ? { onStep: o.onStep } : {}
  };
}

export {
  instanceId,
  Rollback,
  containerDir,
  taskDir,
  logPath,
  newContainerId,
  selfOwner,
  ownerAlive,
  nodeMismatch,
  hostRuntimeDeps
};
