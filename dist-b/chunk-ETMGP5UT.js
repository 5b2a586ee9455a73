import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  ownerAlive,
  taskDir
} from "./chunk-A75RLU2C.js";
import {
  fsWalker,
  rootedFsWalker,
  walkPath
} from "./chunk-6VMJICQW.js";
import {
  isAlive,
  parseIdentity
} from "./chunk-AVR7YWR3.js";
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors
} from "./chunk-HJSDXBBU.js";
import {
  RuntimeError,
  describeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/runtime/task/exec-task.ts
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile as readFile2, rm, writeFile } from "node:fs/promises";
import { constants as constants3 } from "node:os";
import { join as join2 } from "node:path";

// src/runtime/task/exit-record.ts
import { readFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
var SIGNAL_NAMES = new Map(
  Object.entries(constants.signals).map(([name, n]) => [n, name])
);
async function readExit(dir) {
  let text;
  try {
    text = await readFile(join(dir, "exit"), "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return void 0;
    throw err;
  }
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError("DataLoss", `Cannot read the exit record in ${dir}: not JSON`, { cause: err });
  }
  const r = raw;
  const num = (k) => {
    const v = r[k];
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new RuntimeError("DataLoss", `Cannot read the exit record in ${dir}: ${k} is not an integer`);
    }
    return v;
  };
  const str = (k) => {
    const v = r[k];
    if (typeof v !== "string")
      throw new RuntimeError("DataLoss", `Cannot read the exit record in ${dir}: no ${k}`);
    return v;
  };
  const signal = num("signal");
  return {
    exitCode: num("exitCode"),
    signal: signal === 0 ? void 0 : SIGNAL_NAMES.get(signal),
    startedAt: str("startedAt"),
    finishedAt: str("finishedAt"),
    killed: r.killed === true,
    initPid: num("initPid"),
    shimPid: num("shimPid")
  };
}

// src/runtime/task/launch-spec.ts
var DEFAULT_LOG_ROTATION = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };
function checkLogRotation(r) {
  if (!Number.isSafeInteger(r.maxBytes) || r.maxBytes < 1) {
    throw new RuntimeError(
      "InvalidArgument",
      `Log rotation: max size ${r.maxBytes} is not a positive number of bytes`,
      {
        hint: "give a size such as 10Mi (the kubelet default)"
      }
    );
  }
  if (!Number.isSafeInteger(r.maxFiles) || r.maxFiles < 2 || r.maxFiles > 1e3) {
    throw new RuntimeError(
      "InvalidArgument",
      `Log rotation: max files ${r.maxFiles} is not between 2 and 1000`,
      {
        hint: "the count includes the current file, as the kubelet counts it (default 5)"
      }
    );
  }
}
function checkToken(what, value) {
  if (value.includes("\0")) {
    throw new RuntimeError("InvalidArgument", `Cannot launch: ${what} contains a NUL byte`, {
      hint: "Arguments, environment values and paths cannot hold NUL bytes."
    });
  }
  return value;
}
function checkAbsolute(what, path) {
  if (!path.startsWith("/")) {
    throw new RuntimeError("InvalidArgument", `Cannot launch: ${what} "${path}" is not an absolute path`);
  }
  return checkToken(what, path);
}
function checkRelative(what, path) {
  if (path.startsWith("/")) {
    throw new RuntimeError("InvalidArgument", `Cannot launch: ${what} "${path}" is not a relative path`);
  }
  return checkToken(what, path);
}
function checkId(what, n) {
  if (!Number.isSafeInteger(n) || n < 0 || n > 4294967294) {
    throw new RuntimeError("InvalidArgument", `Cannot launch: ${what} ${n} is not a valid id`);
  }
  return String(n);
}
function encodeLaunchSpec(spec, job, nsFrom) {
  const t = [];
  const [program] = spec.argv;
  if (program === void 0) throw new RuntimeError("InvalidArgument", "Cannot launch: the command is empty");
  checkAbsolute("the program", program);
  for (const a of spec.argv) t.push("arg", checkToken("an argument", a));
  for (const e of spec.env) {
    if (!e.includes("="))
      throw new RuntimeError("InvalidArgument", `Cannot launch: env entry "${e}" has no "="`);
    t.push("env", checkToken("an environment entry", e));
  }
  t.push("cwd", checkAbsolute("the working directory", spec.cwd));
  if (spec.createCwdMode !== void 0) t.push("mkcwd", checkId("mode", spec.createCwdMode & 4095));
  if (spec.user) {
    t.push("uid", checkId("uid", spec.user.uid), "gid", checkId("gid", spec.user.gid));
    for (const g of spec.user.groups) t.push("group", checkId("group", g));
  }
  for (const f of job.procsFiles) t.push("cgroup", checkAbsolute("a cgroup file", f));
  if (job.killFile !== void 0) t.push("kill", checkAbsolute("a cgroup file", job.killFile));
  if (nsFrom !== void 0) t.push("nsfrom", checkId("pid", nsFrom));
  else if (spec.mounts !== void 0) {
    t.push("ns", "private");
    for (const m of spec.mounts) {
      if (m.within !== void 0) {
        const w = m.within;
        t.push("bindat", m.readOnly ? "ro" : "rw", checkAbsolute("a mount source", w.sourceBase));
        t.push(checkRelative("a mount source path", w.sourcePath));
        t.push(checkAbsolute("a mount destination", w.destinationBase));
        t.push(checkRelative("a mount destination path", w.destinationPath));
        continue;
      }
      t.push("bind", m.readOnly ? "ro" : "rw", checkAbsolute("a mount source", m.source));
      t.push(checkAbsolute("a mount destination", m.destination));
      if (m.propagation !== void 0) {
        if (!["private", "slave", "shared"].includes(m.propagation))
          throw new RuntimeError(
            "InvalidArgument",
            `Cannot launch: mount propagation "${m.propagation}" is unknown`
          );
        t.push("propagation", m.propagation);
      }
    }
  }
  for (const l of spec.symlinks ?? [])
    t.push("symlink", checkToken("a symlink target", l.target), checkAbsolute("a symlink", l.path));
  if (spec.logPath !== void 0) t.push("log", checkAbsolute("the log path", spec.logPath));
  if (spec.shutdownGraceMs !== void 0) t.push("grace", checkId("grace", Math.round(spec.shutdownGraceMs)));
  if (spec.stdio !== void 0) {
    for (const key of ["stdin", "stdout", "stderr"]) {
      const path = spec.stdio[key];
      if (path !== "") t.push(key, checkAbsolute(`the ${key} path`, path));
    }
  }
  if (spec.oomScoreAdj !== void 0) {
    if (!Number.isInteger(spec.oomScoreAdj) || spec.oomScoreAdj < -1e3 || spec.oomScoreAdj > 1e3)
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot launch: oom_score_adj ${spec.oomScoreAdj} is not in -1000..1000`
      );
    t.push("oomscoreadj", String(spec.oomScoreAdj));
  }
  if (spec.logRotation !== void 0 && spec.logPath !== void 0) {
    checkLogRotation(spec.logRotation);
    t.push("logmax", String(spec.logRotation.maxBytes), "logfiles", String(spec.logRotation.maxFiles));
  }
  return Buffer.from(`${t.join("\0")}\0`);
}
function decodeLaunchSpec(data) {
  const tokens = data.toString("utf8").split("\0");
  if (tokens.pop() !== "") throw new RuntimeError("DataLoss", "Launch spec is not NUL-terminated");
  const argv = [];
  const env = [];
  const procsFiles = [];
  const groups = [];
  let cwd = "/";
  let uid;
  let gid = 0;
  let killFile;
  let privateMounts = false;
  const arity = { bind: 3, bindat: 5, symlink: 2 };
  for (let i = 0; i < tokens.length; ) {
    const key = tokens[i++];
    const n = arity[key] ?? 1;
    const v = tokens.slice(i, i + n);
    if (v.length < n) throw new RuntimeError("DataLoss", `Launch spec: "${key}" lacks its value`);
    i += n;
    const first = v[0];
    if (key === "arg") argv.push(first);
    else if (key === "env") env.push(first);
    else if (key === "cwd") cwd = first;
    else if (key === "uid") uid = Number(first);
    else if (key === "gid") gid = Number(first);
    else if (key === "group") groups.push(Number(first));
    else if (key === "cgroup") procsFiles.push(first);
    else if (key === "kill") killFile = first;
    else if (key === "ns") privateMounts = first === "private";
  }
  const spec = { argv, env, cwd, ...uid === void 0 ? {} : { user: { uid, gid, groups } } };
  return { spec, procsFiles, killFile, privateMounts };
}

// src/runtime/task/shim.ts
import { accessSync, constants as constants2 } from "node:fs";
import { fileURLToPath } from "node:url";
import { getSystemErrorName } from "node:util";
var DEFAULT_SHIM_PATH = fileURLToPath(
  new URL("../../../native/build/hostpod-shim", import.meta.url)
);
var checked;
function shimPath(path = DEFAULT_SHIM_PATH) {
  if (checked === path) return path;
  try {
    accessSync(path, constants2.X_OK);
  } catch (err) {
    throw new RuntimeError("FailedPrecondition", `Cannot launch processes: the shim ${path} is missing`, {
      hint: "Build it with `npm run build:native` (needs cc and make).",
      cause: err
    });
  }
  checked = path;
  return path;
}
var TaskStartError = class extends RuntimeError {
  constructor(stage, errno, what) {
    const code = errno === "ENOENT" ? "NotFound" : errno === "EACCES" || errno === "EPERM" ? "PermissionDenied" : "FailedPrecondition";
    super(code, `Cannot start ${what}: ${STAGE_TEXT[stage] ?? stage} failed: ${errno}`, {
      hint: STAGE_HINT[stage] ?? "See the errno; the spec may name a path or id the host does not have."
    });
    this.stage = stage;
    this.errno = errno;
    this.name = "TaskStartError";
  }
  stage;
  errno;
};
var STAGE_TEXT = {
  cgroup: "joining the job (cgroup.procs)",
  setns: "entering the container's mount namespace",
  unshare: "creating a mount namespace",
  propagation: "making / a slave mount",
  bind: "a bind mount",
  symlink: "creating a symlink",
  setgroups: "setting supplementary groups",
  setgid: "setting the group id",
  setuid: "setting the user id",
  chdir: "changing to (or making, as the container's user) the working directory",
  exec: "executing the program",
  fork: "fork",
  pipe: "creating pipes",
  log: "opening the log file",
  stdio: "opening the given stdin/stdout/stderr",
  oomscoreadj: "writing oom_score_adj"
};
var STAGE_HINT = {
  exec: "Check that the program exists and is executable for the container's user.",
  chdir: "A missing workingDir is made with the container's own credentials: its account must be allowed to create it (SYSTEM may create anything) and to enter it.",
  bind: "A mount target or subPath that leads out of its volume or workspace through a symlink is refused (EXDEV).",
  setuid: "hostpod needs root to run a container as another user.",
  setgid: "hostpod needs root to run a container as another user.",
  setgroups: "hostpod needs root to run a container as another user.",
  cgroup: "The job's cgroup may have been removed, or its pids limit reached.",
  setns: "The container's first process has exited; its mount namespace is gone."
};
function parseShimError(line, what) {
  const m = /^error (\w+) (\d+)$/.exec(line.trim());
  if (!m) return void 0;
  const errno = Number(m[2]);
  let name;
  try {
    name = getSystemErrorName(-errno);
  } catch {
    name = `errno ${errno}`;
  }
  return new TaskStartError(m[1], name, what);
}

// src/runtime/task/exec-task.ts
async function writeExecSpec(task, options) {
  if (await readExit(task.dir) !== void 0) {
    throw new RuntimeError(
      "FailedPrecondition",
      `Cannot exec in the task in ${task.dir}: its first process has exited`,
      {
        hint: "Exec works only while the container runs."
      }
    );
  }
  const decoded = decodeLaunchSpec(await readFile2(join2(task.dir, "spec")));
  const spec = {
    ...decoded.spec,
    argv: options.argv,
    env: options.env ?? decoded.spec.env,
    cwd: options.cwd ?? decoded.spec.cwd
  };
  const data = encodeLaunchSpec(
    spec,
    { procsFiles: decoded.procsFiles, killFile: decoded.killFile },
    decoded.privateMounts ? task.initPid : void 0
  );
  const path = join2(task.dir, `exec-${randomBytes(6).toString("hex")}.spec`);
  await writeFile(path, data, { mode: 384 });
  return path;
}
function execCommand(specPath, options = {}) {
  return [shimPath(options.shim), "exec", ...options.tty ? ["--tty"] : [], "--status-fd", "3", specPath];
}
async function spawnExec(task, options) {
  const specPath = await writeExecSpec(task, options);
  const [cmd, ...args] = execCommand(specPath, options);
  const stdio = options.stdio ?? ["inherit", "inherit", "inherit"];
  const child = spawn(cmd, args, { stdio: [...stdio, "pipe"] });
  const result = new Promise((resolve, reject) => {
    let status = "";
    child.stdio[3].setEncoding("utf8").on("data", (s) => {
      status += s;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      void rm(specPath, { force: true });
      const err = parseShimError(status.split("\n")[0] ?? "", `exec of "${options.argv[0]}"`);
      if (err) return reject(err);
      if (!status.startsWith("ok ")) {
        return reject(
          new RuntimeError("Internal", `Cannot exec in the task: the shim ended with ${code ?? signal}`)
        );
      }
      resolve({ exitCode: code ?? 128 + (signal ? constants3.signals[signal] : 0) });
    });
  });
  result.catch(() => {
  });
  return { child, result };
}

// src/services/exec.ts
import { readFile as readFile4 } from "node:fs/promises";
import { join as join4 } from "node:path";

// src/runtime/sandbox/host-paths.ts
import { chown, lstat, mkdir } from "node:fs/promises";

// src/runtime/spec/translate-path.ts
function translatePath(containerPath, mounts) {
  let best;
  for (const m of mounts) {
    const t = m.target;
    const under = containerPath === t || t === "/" || containerPath.startsWith(`${t}/`);
    if (under && (best === void 0 || t.length >= best.target.length)) best = m;
  }
  if (best === void 0) return containerPath;
  const rest = best.target === "/" ? containerPath : containerPath.slice(best.target.length);
  if (rest === "" || rest === "/") return best.source;
  return `${best.source.endsWith("/") ? best.source.slice(0, -1) : best.source}${rest}`;
}

// src/runtime/sandbox/host-paths.ts
async function resolveInRoot(root, path) {
  const walker = rootedFsWalker(root);
  const r = await walkPath(path, walker);
  return { hostPath: walker.toHost(r.path), kind: r.kind };
}
async function mkdirInRoot(root, path, options = {}) {
  const { hostPath } = await resolveInRoot(root, path);
  return { hostPath, created: await mkdirs(hostPath, options) };
}
async function mkdirs(hostPath, options = {}) {
  const missing = [];
  let p = hostPath;
  while (p !== "/" && p !== "") {
    try {
      await lstat(p);
      break;
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
      missing.unshift(p);
      p = p.slice(0, p.lastIndexOf("/")) || "/";
    }
  }
  const created = [];
  for (const dir of missing) {
    try {
      await mkdir(dir, { mode: options.mode ?? 511 });
    } catch (err) {
      if (errnoCode(err) === "EEXIST") continue;
      throw err;
    }
    created.push(dir);
    if (options.owner) await chown(dir, options.owner.uid, options.owner.gid);
  }
  return created;
}
function makeContainerProbe(mounts) {
  const walker = fsWalker((p) => translatePath(p, mounts));
  return async (path) => (await walkPath(path, walker)).kind;
}

// src/runtime/spec/command.ts
import { posix } from "node:path";

// src/runtime/spec/tokens.ts
var SANDBOX_ENV_NAME = "CONTAINER_SANDBOX_MOUNT_POINT";
var SANDBOX_TOKENS = [`%${SANDBOX_ENV_NAME}%`, `$env:${SANDBOX_ENV_NAME}`];
function hasSandboxToken(s) {
  return SANDBOX_TOKENS.some((t) => s.includes(t));
}
function replaceSandboxTokens(s, mountPoint) {
  const bare = stripTrailingSlash(mountPoint);
  let out = s;
  for (const t of SANDBOX_TOKENS) out = out.split(t).join(bare);
  return out;
}
function normalizeSeparators(path) {
  return path.replace(/\\/g, "/").replace(/\/{2,}/g, "/");
}
function stripTrailingSlash(path) {
  let p = path;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

// src/runtime/spec/command.ts
function selectArgv(input) {
  let argv;
  if (input.command.length > 0) argv = [...input.command, ...input.args];
  else if (input.args.length > 0) argv = [...input.entrypoint ?? [], ...input.args];
  else argv = [...input.entrypoint ?? [], ...input.cmd ?? []];
  if (argv.length === 0) {
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot start container "${input.name}": no command specified`,
      {
        hint: "set command or args in the container, or use an image with an Entrypoint or Cmd"
      }
    );
  }
  return argv;
}
function expandArgv(argv, mountPoint) {
  return argv.map((a, i) => {
    const r = replaceSandboxTokens(a, mountPoint);
    return i === 0 ? normalizeSeparators(r) : r;
  });
}
async function resolveExecutable(name, options) {
  const prefix = `Cannot start container "${options.container}": `;
  const notFound2 = () => new RuntimeError("NotFound", `${prefix}failed to find executable "${name}"`, {
    hint: `the program is looked up in the working directory "${options.cwd}", then in PATH (which ends with the workspace)`
  });
  const isDir = (p) => new RuntimeError("FailedPrecondition", `${prefix}found directory instead of executable "${p}"`, {
    hint: "point the command at a file"
  });
  if (name === "" || name.includes("\0")) throw notFound2();
  const inCwd = (p) => posix.normalize(p.startsWith("/") ? p : `${options.cwd}/${p}`);
  if (name.includes("/")) {
    const p = inCwd(name);
    const kind = await options.probe(p);
    if (kind === "file") return p;
    if (kind === "dir") throw isDir(p);
    throw notFound2();
  }
  const seen = /* @__PURE__ */ new Set();
  let firstDir;
  for (const dir of [options.cwd, ...options.path.split(":")]) {
    const p = inCwd(`${dir === "" ? "." : dir}/${name}`);
    if (seen.has(p)) continue;
    seen.add(p);
    const kind = await options.probe(p);
    if (kind === "file") return p;
    if (kind === "dir") firstDir ??= p;
  }
  if (firstDir !== void 0) throw isDir(firstDir);
  throw notFound2();
}

// src/runtime/spec/env.ts
var DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
function userBaseEnv(account) {
  return [
    { name: "HOME", value: account.home },
    { name: "USER", value: account.name },
    { name: "LOGNAME", value: account.name },
    { name: "SHELL", value: account.shell },
    { name: "PATH", value: DEFAULT_PATH }
  ];
}
function parseImageEnv(entries) {
  const out = [];
  for (const e of entries ?? []) {
    const eq = e.indexOf("=");
    if (eq <= 0) continue;
    out.push({ name: e.slice(0, eq), value: e.slice(eq + 1) });
  }
  return out;
}
function buildEnv(input) {
  const values = /* @__PURE__ */ new Map();
  for (const v of input.base) values.set(v.name, v.value);
  for (const v of [...input.image, ...input.container]) {
    values.set(v.name, replaceSandboxTokens(v.value, input.mountPoint));
  }
  values.delete(SANDBOX_ENV_NAME);
  const path = values.get("PATH");
  values.set("PATH", appendPathEntry(path ?? DEFAULT_PATH, input.mountPoint));
  values.set(SANDBOX_ENV_NAME, input.mountPoint);
  return [...values].map(([name, value]) => ({ name, value }));
}
function appendPathEntry(path, entry) {
  if (path === "") return entry;
  return path.endsWith(":") ? `${path}${entry}` : `${path}:${entry}`;
}
function getEnv(env, name) {
  let found;
  for (const v of env) if (v.name === name) found = v.value;
  return found;
}

// src/runtime/task/wait-task.ts
import { watch } from "node:fs";
import { readFile as readFile3 } from "node:fs/promises";
import { join as join3 } from "node:path";
var SHIM_COMM = "hostpod-shim";
async function shimIdentity(dir) {
  let text;
  try {
    text = await readFile3(join3(dir, "shim.pid"), "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return void 0;
    throw err;
  }
  const id = parseIdentity(text);
  return id === void 0 ? void 0 : { ...id, comm: SHIM_COMM };
}
async function shimAlive(dir) {
  const id = await shimIdentity(dir);
  return id !== void 0 && await isAlive(id);
}
async function waitTask(dir, options = {}) {
  const now2 = await readExit(dir);
  if (now2) return now2;
  return new Promise((resolve, reject) => {
    let settled = false;
    let busy = false;
    const finish = (err, rec) => {
      if (settled) return;
      settled = true;
      watcher.close();
      clearInterval(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (rec) resolve(rec);
      else reject(err);
    };
    const check = async (checkShim) => {
      if (settled || busy) return;
      busy = true;
      try {
        const rec = await readExit(dir);
        if (rec) return finish(void 0, rec);
        if (checkShim && !await shimAlive(dir)) {
          const late = await readExit(dir);
          if (late) return finish(void 0, late);
          finish(
            new RuntimeError("DataLoss", `Task in ${dir} ended without an exit record: its shim is gone`, {
              hint: "The shim was killed; the exit code of the task is unknown."
            })
          );
        }
      } catch (err) {
        finish(err);
      } finally {
        busy = false;
      }
    };
    const onAbort = () => finish(new RuntimeError("Canceled", `Stopped waiting for the task in ${dir}`));
    const watcher = watch(dir, () => void check(false));
    watcher.on("error", () => {
    });
    const timer = setInterval(() => void check(true), options.pollMs ?? 1e3);
    options.signal?.addEventListener("abort", onAbort);
    if (options.signal?.aborted) onAbort();
    void check(true);
  });
}

// src/services/exec.ts
function execTargetOf(root, rec) {
  if (!rec.exec || !("running" in rec.state)) return void 0;
  return {
    containerId: rec.id,
    container: rec.name,
    taskDir: rec.taskDir ?? taskDir(root, rec.id),
    mountPoint: rec.exec.mountPoint,
    mappings: rec.exec.mappings,
    env: rec.exec.env,
    cwd: rec.exec.cwd
  };
}
async function findRunningContainer(db, root, pod, container, namespace = "default") {
  const ofPod = db.containers.listByPodName(namespace, pod);
  if (ofPod.length === 0) {
    throw new RuntimeError("NotFound", `Pod "${pod}" not found in namespace "${namespace}"`, {
      hint: "start it with hostpod run; the pod name is metadata.name (a workload template gets a suffix)"
    });
  }
  const running = [];
  for (const r of ofPod) {
    if (!("running" in r.state)) continue;
    const alive = r.owner.daemon ? await shimAlive(r.taskDir ?? taskDir(root, r.id)) : await ownerAlive(r.owner);
    if (alive) running.push(r);
  }
  const pick = container ? running.find((r) => r.name === container) : running.find((r) => r.type === "container") ?? running[0];
  const target = pick && execTargetOf(root, pick);
  if (!target) {
    const names = [...new Set(ofPod.map((r) => r.name))];
    if (container && !names.includes(container))
      throw new RuntimeError("NotFound", `container ${container} not found in pod ${pod}`, {
        hint: `its containers: ${names.join(", ")}`
      });
    throw new RuntimeError(
      "FailedPrecondition",
      container ? `Cannot exec in container "${container}" of pod "${pod}": it is not running (containers: ${names.join(", ")})` : `Cannot exec in pod "${pod}": no container is running`
    );
  }
  return target;
}
async function targetTask(target) {
  const initPid = Number.parseInt(await readFile4(join4(target.taskDir, "init.pid"), "utf8"), 10);
  return { dir: target.taskDir, initPid };
}
async function execArgv(exec, container, command) {
  if (command.length === 0) throw new RuntimeError("InvalidArgument", "no command given to exec");
  const argv = expandArgv(command, exec.mountPoint);
  const path = exec.env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  const exe = await resolveExecutable(argv[0], {
    cwd: exec.cwd,
    path,
    probe: makeContainerProbe(exec.mappings),
    container
  });
  return [exe, ...argv.slice(1)];
}

// src/state/state-db.ts
import { closeSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname, join as join5 } from "node:path";
import Database from "better-sqlite3";

// src/state/json.ts
function toJsonText(value, what) {
  const seen = /* @__PURE__ */ new Set();
  const canon = (v, path) => {
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw invalid(what, `${path} is ${v}`);
      return v;
    }
    if (v === void 0 || typeof v === "function" || typeof v === "symbol") return void 0;
    if (typeof v === "bigint") throw invalid(what, `${path} is a BigInt`);
    if (typeof v !== "object") throw invalid(what, `${path} is a ${typeof v}`);
    const toJSON = Reflect.get(v, "toJSON");
    if (typeof toJSON === "function") return canon(toJSON.call(v), path);
    if (v instanceof Map || v instanceof Set)
      throw invalid(what, `${path} is a ${v.constructor.name} (use an object or array)`);
    if (seen.has(v)) throw invalid(what, `${path} refers back to itself`);
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((x, i) => canon(x, `${path}[${i}]`) ?? null);
      if (ArrayBuffer.isView(v)) throw invalid(what, `${path} is binary data (encode it as base64)`);
      const entries = [];
      for (const k of Object.keys(v).sort()) {
        const c2 = canon(v[k], `${path}.${k}`);
        if (c2 !== void 0) entries.push([k, c2]);
      }
      return Object.fromEntries(entries);
    } finally {
      seen.delete(v);
    }
  };
  const c = canon(value, "$");
  if (c === void 0) throw invalid(what, "there is no value");
  return JSON.stringify(c);
}
function invalid(what, detail) {
  return new RuntimeError("InvalidArgument", `Cannot store ${what}: ${detail}`, {
    hint: "pass a plain JSON-serialisable object"
  });
}
function isJsonObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// src/state/row.ts
var DAMAGED_ROW_HINT = "the state database was changed outside hostpod or is damaged: restore state.db from a backup, or remove the object and apply it again";
var Row = class {
  #row;
  where;
  constructor(row, where) {
    if (typeof row !== "object" || row === null) throw damaged(where, "is not a row");
    this.#row = row;
    this.where = where;
  }
  /** A TEXT column. */
  text(col) {
    const v = this.#row[col];
    if (typeof v !== "string") throw damaged(this.where, `column ${col} is not text`);
    return v;
  }
  /** A nullable TEXT column; NULL is undefined. */
  optText(col) {
    return this.#row[col] === null ? void 0 : this.text(col);
  }
  /** An INTEGER column within the safe integer range. */
  int(col) {
    const v = this.#row[col];
    if (typeof v !== "number" || !Number.isSafeInteger(v))
      throw damaged(this.where, `column ${col} is not an integer`);
    return v;
  }
  /** A nullable INTEGER column; NULL is undefined. */
  optInt(col) {
    return this.#row[col] === null ? void 0 : this.int(col);
  }
  /** A TEXT column holding one of `values`. */
  oneOf(col, values) {
    const v = this.text(col);
    if (!values.includes(v))
      throw damaged(this.where, `column ${col} holds "${v}", not one of ${values.join(", ")}`);
    return v;
  }
  /** A TEXT column holding an RFC 3339 time. */
  time(col) {
    const v = this.text(col);
    if (!isTime(v)) throw damaged(this.where, `column ${col} is not a time: "${v}"`);
    return v;
  }
  /** A nullable time column. */
  optTime(col) {
    return this.#row[col] === null ? void 0 : this.time(col);
  }
  /** A TEXT column holding a JSON object. */
  jsonObject(col) {
    const text = this.text(col);
    let v;
    try {
      v = JSON.parse(text);
    } catch {
      throw damaged(this.where, `column ${col} is not valid JSON`);
    }
    if (!isJsonObject(v)) throw damaged(this.where, `column ${col} is not a JSON object`);
    return v;
  }
  /** A nullable JSON object column. */
  optJsonObject(col) {
    return this.#row[col] === null ? void 0 : this.jsonObject(col);
  }
};
function damaged(where, detail) {
  return new RuntimeError("DataLoss", `State database row ${where} is damaged: ${detail}`, {
    hint: DAMAGED_ROW_HINT
  });
}
var TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
function isTime(v) {
  return TIME.test(v) && !Number.isNaN(Date.parse(v));
}

// src/state/container-state.ts
function phaseOf(s) {
  return "waiting" in s ? "waiting" : "running" in s ? "running" : "terminated";
}
function canTransition(from, to) {
  const a = phaseOf(from);
  const b = phaseOf(to);
  if (a === "waiting") return true;
  if (a === "running") return b === "terminated";
  return false;
}
function parseContainerState(v, where, col) {
  const bad = (detail) => damaged(where, `column ${col} ${detail}`);
  const keys = Object.keys(v);
  const key = keys[0];
  if (keys.length !== 1 || key !== "waiting" && key !== "running" && key !== "terminated")
    throw bad("is not exactly one of waiting, running, terminated");
  const o = v[key];
  if (typeof o !== "object" || o === null || Array.isArray(o))
    throw bad(`has a ${key} that is not an object`);
  const str = (k, req) => {
    const x = o[k];
    if (x === void 0 && !req) return void 0;
    if (typeof x !== "string") throw bad(`has no string ${key}.${k}`);
    return x;
  };
  const time = (k, req) => {
    const x = str(k, req);
    if (x !== void 0 && !isTime(x)) throw bad(`has a ${key}.${k} that is not a time`);
    return x;
  };
  const opt = (k, x) => x === void 0 ? {} : { [k]: x };
  if (key === "waiting")
    return {
      waiting: {
        reason: str("reason", true),
        ...opt("message", str("message", false)),
        ...opt("nextAttemptAt", time("nextAttemptAt", false))
      }
    };
  if (key === "running") return { running: { startedAt: time("startedAt", true) } };
  const exitCode = o.exitCode;
  if (typeof exitCode !== "number" || !Number.isSafeInteger(exitCode))
    throw bad("has no integer terminated.exitCode");
  return {
    terminated: {
      exitCode,
      reason: str("reason", true),
      finishedAt: time("finishedAt", true),
      ...opt("signal", str("signal", false)),
      ...opt("message", str("message", false)),
      ...opt("startedAt", time("startedAt", false)),
      ...opt("containerID", str("containerID", false))
    }
  };
}

// src/state/ids.ts
import { randomUUID } from "node:crypto";
var POD_UID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
var CONTAINER_ID = /^[a-z0-9]{1,64}$/;
function parsePodUid(v) {
  if (!POD_UID.test(v))
    throw new RuntimeError("InvalidArgument", `Invalid pod uid "${v}": expected 1-63 of [a-z0-9-]`, {
      hint: "a pod uid is a UUID such as 0d3f5b1e-8c1a-4f7e-9a51-3c2b1d0e9f87"
    });
  return v;
}
function parseContainerId(v) {
  if (!CONTAINER_ID.test(v))
    throw new RuntimeError("InvalidArgument", `Invalid container id "${v}": expected 1-64 of [a-z0-9]`, {
      hint: "use the id `hostpod get pods -o wide` shows"
    });
  return v;
}
function newPodUid() {
  return randomUUID();
}

// src/state/names.ts
function checkNames(kind, namespace, name) {
  const ns = dns1123LabelErrors(namespace);
  const nm = dns1123SubdomainErrors(name);
  const problem = ns.length > 0 ? `namespace: ${ns.join("; ")}` : nm.length > 0 ? `name: ${nm.join("; ")}` : "";
  if (problem)
    throw new RuntimeError("InvalidArgument", `Invalid ${kind} "${namespace}/${name}": ${problem}`, {
      hint: 'names are lower case letters, digits, "-" and "." (a namespace: no ".")'
    });
}
function rowPodUid(v, where) {
  try {
    return parsePodUid(v);
  } catch {
    throw damaged(where, `holds an invalid pod uid "${v}"`);
  }
}
function rowContainerId(v, where) {
  try {
    return parseContainerId(v);
  } catch {
    throw damaged(where, `holds an invalid container id "${v}"`);
  }
}

// src/state/sqlite-errors.ts
function sqliteCode(err) {
  const c = errnoCode(err);
  return c?.startsWith("SQLITE_") ? c : void 0;
}
var TABLE = [
  ["SQLITE_BUSY", "Unavailable", "another process holds the state database locked; retry in a moment"],
  ["SQLITE_LOCKED", "Unavailable", "another process holds the state database locked; retry in a moment"],
  ["SQLITE_FULL", "ResourceExhausted", "free space on the file system of the state root"],
  ["SQLITE_CORRUPT", "DataLoss", "the state database is damaged: restore state.db from a backup"],
  ["SQLITE_NOTADB", "DataLoss", "the state database is damaged: restore state.db from a backup"],
  ["SQLITE_READONLY", "PermissionDenied", "run hostpod as the owner of the state root (usually root)"],
  ["SQLITE_PERM", "PermissionDenied", "run hostpod as the owner of the state root (usually root)"],
  ["SQLITE_AUTH", "PermissionDenied", "run hostpod as the owner of the state root (usually root)"],
  ["SQLITE_CANTOPEN", "Unavailable", "check that the state root exists and is writable"],
  ["SQLITE_IOERR", "Unavailable", "check the disk holding the state root (dmesg may say more)"],
  ["EACCES", "PermissionDenied", "run hostpod as the owner of the state root (usually root)"],
  ["EPERM", "PermissionDenied", "run hostpod as the owner of the state root (usually root)"],
  ["EROFS", "PermissionDenied", "the state root is on a read-only file system: point --root elsewhere"],
  ["ENOSPC", "ResourceExhausted", "free space on the file system of the state root"],
  ["EDQUOT", "ResourceExhausted", "free space on the file system of the state root"],
  ["ENOTDIR", "FailedPrecondition", "the state root (--root) must be a directory"],
  ["EEXIST", "FailedPrecondition", "the state root (--root) must be a directory"],
  ["ENOENT", "FailedPrecondition", "check that the state root (--root) exists"],
  ["EIO", "Unavailable", "check the disk holding the state root (dmesg may say more)"]
];
function toRuntimeError(err, action) {
  if (err instanceof RuntimeError) return err;
  const code = errnoCode(err);
  const hit = code === void 0 ? void 0 : TABLE.find(([p]) => p.startsWith("SQLITE_") ? code.startsWith(p) : code === p);
  return new RuntimeError(hit?.[1] ?? "Internal", `Cannot ${action}: ${describeError(err)}`, {
    ...hit ? { hint: hit[2] } : {},
    cause: err
  });
}
function guard(action, fn) {
  try {
    return fn();
  } catch (err) {
    throw toRuntimeError(err, action);
  }
}

// src/state/statements.ts
function statementCache(db) {
  const cache = /* @__PURE__ */ new Map();
  return (sql) => {
    let s = cache.get(sql);
    if (s === void 0) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
}

// src/state/pods.ts
var POD_PHASES = ["Pending", "Running", "Succeeded", "Failed"];
var COLUMNS = "uid, namespace, name, manifest, source, source_path, created_at, deleted_at, status, generation";
var PodRepository = class {
  #db;
  #sql;
  #byUid;
  #byName;
  constructor(db) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#byUid = db.prepare(`SELECT ${COLUMNS} FROM pods WHERE uid = ?`);
    this.#byName = db.prepare(`SELECT ${COLUMNS} FROM pods WHERE namespace = ? AND name = ?`);
  }
  /**
   * Inserts the pod, or replaces the manifest of the pod of that namespace/name, bumping its
   * generation when the manifest changed. Throws `InvalidArgument` (bad names, a manifest JSON
   * cannot hold), `FailedPrecondition` (the pod is being deleted, or comes from another source:
   * a static pod is changed through its file), `AlreadyExists` (the given uid is taken).
   */
  put(input) {
    const what = `pod "${input.namespace}/${input.name}"`;
    checkNames("pod", input.namespace, input.name);
    const manifest = toJsonText(input.manifest, `the manifest of ${what}`);
    const status = input.status === void 0 ? null : toJsonText(input.status, `the status of ${what}`);
    const sourcePath = input.source.kind === "static" ? input.source.path : null;
    return guard(
      `put ${what}`,
      () => this.#db.transaction(() => {
        const existing = this.find(input.namespace, input.name);
        if (existing === void 0) {
          const uid = input.uid ?? newPodUid();
          try {
            this.#sql(`INSERT INTO pods (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, 1)`).run(
              uid,
              input.namespace,
              input.name,
              manifest,
              input.source.kind,
              sourcePath,
              input.at ?? now(),
              status
            );
          } catch (err) {
            if (sqliteCode(err) === "SQLITE_CONSTRAINT_PRIMARYKEY")
              throw new RuntimeError("AlreadyExists", `Cannot create ${what}: uid ${uid} is taken`, {
                hint: "leave the uid out to get a fresh one",
                cause: err
              });
            throw err;
          }
          return { pod: this.#mustGet(uid), change: "created" };
        }
        if (existing.deletedAt !== void 0)
          throw new RuntimeError("FailedPrecondition", `Cannot change ${what}: it is being deleted`, {
            hint: "wait until it is gone, then apply it again"
          });
        if (sourceText(existing.source) !== sourceText(input.source))
          throw new RuntimeError(
            "FailedPrecondition",
            `Cannot change ${what}: it comes from ${sourceText(existing.source)}, not ${sourceText(input.source)}`,
            { hint: "change a static pod through its file; delete the other pod first to replace it" }
          );
        if (toJsonText(existing.manifest, what) === manifest)
          return { pod: existing, change: "unchanged" };
        const bump = specText(existing.manifest) === specText(input.manifest) ? 0 : 1;
        this.#sql("UPDATE pods SET manifest = ?, generation = generation + ? WHERE uid = ?").run(
          manifest,
          bump,
          existing.uid
        );
        return { pod: this.#mustGet(existing.uid), change: "configured" };
      })()
    );
  }
  /** Stores the pod's status. Throws `NotFound` when there is no such pod. */
  setStatus(uid, status) {
    const text = toJsonText(status, `the status of pod ${uid}`);
    guard(`store the status of pod ${uid}`, () => {
      const r = this.#sql("UPDATE pods SET status = ? WHERE uid = ?").run(text, uid);
      if (r.changes === 0) throw notFound(uid);
    });
  }
  /** The pod of that uid, or undefined. */
  get(uid) {
    const row = guard(`read pod ${uid}`, () => this.#byUid.get(uid));
    return row === void 0 ? void 0 : parsePodRow(row);
  }
  /** The pod of that namespace and name, or undefined. */
  find(namespace, name) {
    const row = guard(`read pod "${namespace}/${name}"`, () => this.#byName.get(namespace, name));
    return row === void 0 ? void 0 : parsePodRow(row);
  }
  /** Pods ordered by namespace and name; only one namespace's when given. */
  list(options = {}) {
    const rows = guard(
      "list pods",
      () => options.namespace === void 0 ? this.#sql(`SELECT ${COLUMNS} FROM pods ORDER BY namespace, name`).all() : this.#sql(`SELECT ${COLUMNS} FROM pods WHERE namespace = ? ORDER BY name`).all(options.namespace)
    );
    return rows.map(parsePodRow);
  }
  /** Marks the pod as being deleted (the first time wins). Throws `NotFound`. */
  markDeleted(uid, at = now()) {
    return guard(`mark pod ${uid} deleted`, () => {
      const r = this.#sql("UPDATE pods SET deleted_at = COALESCE(deleted_at, ?) WHERE uid = ?").run(at, uid);
      if (r.changes === 0) throw notFound(uid);
      return this.#mustGet(uid);
    });
  }
  /** Removes the pod with its containers and events. Returns false when there was none. */
  remove(uid) {
    return guard(`remove pod ${uid}`, () => this.#sql("DELETE FROM pods WHERE uid = ?").run(uid).changes > 0);
  }
  #mustGet(uid) {
    const p = this.get(uid);
    if (p === void 0) throw notFound(uid);
    return p;
  }
};
function notFound(id, kind = "pod") {
  return new RuntimeError("NotFound", `No ${kind} ${id} in the state database`, {
    hint: "list them with `hostpod get pods`"
  });
}
function specText(manifest) {
  return toJsonText(Reflect.get(manifest, "spec") ?? null, "a pod spec");
}
function sourceText(s) {
  return s.kind === "apply" ? "hostpod apply" : `static pod file ${s.path}`;
}
function parsePodRow(row) {
  const r = new Row(row, "pods");
  const namespace = r.text("namespace");
  const name = r.text("name");
  r.where = `pod "${namespace}/${name}"`;
  const uid = rowPodUid(r.text("uid"), r.where);
  const kind = r.oneOf("source", ["apply", "static"]);
  const path = r.optText("source_path");
  if (kind === "static" !== (path !== void 0))
    throw damaged(r.where, "has a source_path that does not match its source");
  const status = r.optJsonObject("status");
  const deletedAt = r.optTime("deleted_at");
  let phase;
  if (status !== void 0) {
    const p = status.phase;
    if (typeof p !== "string" || !POD_PHASES.includes(p))
      throw damaged(r.where, "has a status without a valid phase");
    phase = p;
  }
  return {
    uid,
    namespace,
    name,
    manifest: r.jsonObject("manifest"),
    source: kind === "static" ? { kind, path } : { kind },
    createdAt: r.time("created_at"),
    ...deletedAt === void 0 ? {} : { deletedAt },
    ...status === void 0 ? {} : { status },
    ...phase === void 0 ? {} : { phase },
    generation: r.int("generation")
  };
}
function now() {
  return (/* @__PURE__ */ new Date()).toISOString();
}

// src/state/containers.ts
var CONTAINER_TYPES = ["init_container", "container", "ephemeral_container"];
var COLUMNS2 = "id, pod_uid, pod_namespace, pod_name, name, type, attempt, image, state, last_state, exit_code, exit_reason, created_at, started_at, finished_at, task_dir, group_id, owner, exec";
var ORDER = "CASE type WHEN 'init_container' THEN 0 WHEN 'container' THEN 1 ELSE 2 END, name, attempt";
var ContainerRepository = class {
  #db;
  #sql;
  constructor(db) {
    this.#db = db;
    this.#sql = statementCache(db);
  }
  /**
   * Adds a container of a pod. Throws `InvalidArgument` (a name that is not an RFC 1123 label, a
   * negative attempt), `NotFound` (no such pod), `AlreadyExists` (the id, or that attempt of
   * that container name, exists).
   */
  create(input) {
    const what = `container "${input.name}" of pod ${input.pod.namespace}/${input.pod.name}`;
    checkNames("pod", input.pod.namespace, input.pod.name);
    const nameErrors = dns1123LabelErrors(input.name);
    if (nameErrors.length > 0)
      throw new RuntimeError(
        "InvalidArgument",
        `Invalid container name "${input.name}": ${nameErrors.join("; ")}`
      );
    if (!Number.isSafeInteger(input.attempt) || input.attempt < 0)
      throw new RuntimeError(
        "InvalidArgument",
        `Invalid attempt ${input.attempt} of ${what}: expected 0 or more`
      );
    const state = input.state ?? { waiting: { reason: "ContainerCreating" } };
    const d = derived(state);
    return guard(`create ${what}`, () => {
      try {
        this.#sql(
          `INSERT INTO containers (${COLUMNS2}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        ).run(
          input.id,
          input.podUid ?? null,
          input.pod.namespace,
          input.pod.name,
          input.name,
          input.type,
          input.attempt,
          input.image,
          toJsonText(state, `the state of ${what}`),
          input.lastState === void 0 ? null : toJsonText(input.lastState, `the last state of ${what}`),
          d.exitCode,
          d.exitReason,
          input.at ?? (/* @__PURE__ */ new Date()).toISOString(),
          d.startedAt,
          d.finishedAt,
          input.taskDir ?? null,
          input.groupId ?? null,
          toJsonText(input.owner, `the owner of ${what}`),
          input.exec === void 0 ? null : toJsonText(input.exec, `the exec info of ${what}`)
        );
      } catch (err) {
        const code = sqliteCode(err);
        if (code === "SQLITE_CONSTRAINT_FOREIGNKEY" && input.podUid) throw notFound(input.podUid);
        if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE")
          throw new RuntimeError(
            "AlreadyExists",
            `Cannot create ${what}: container ${input.id} or attempt ${input.attempt} exists`,
            { hint: "a restart is the next attempt with a new id", cause: err }
          );
        throw err;
      }
      return this.#mustGet(input.id);
    });
  }
  /**
   * Changes a container's state, task dir or group id. Throws `NotFound`, and
   * `FailedPrecondition` for a move the state machine forbids (`terminated` is final; `running`
   * only ends).
   */
  update(id, change) {
    return guard(
      `update container ${id}`,
      () => this.#db.transaction(() => {
        const c = this.#mustGet(id);
        if (change.state !== void 0) {
          if (!canTransition(c.state, change.state))
            throw new RuntimeError(
              "FailedPrecondition",
              `Cannot move container "${c.name}" (${id}) from ${phaseOf(c.state)} to ${phaseOf(change.state)}`,
              { hint: "a terminated container is final: start the next attempt as a new container" }
            );
          const d = derived(change.state);
          this.#sql(
            "UPDATE containers SET state = ?, exit_code = ?, exit_reason = ?, started_at = COALESCE(?, started_at), finished_at = ? WHERE id = ?"
          ).run(
            toJsonText(change.state, `the state of container ${id}`),
            d.exitCode,
            d.exitReason,
            d.startedAt,
            d.finishedAt,
            id
          );
        }
        if (change.taskDir !== void 0)
          this.#sql("UPDATE containers SET task_dir = ? WHERE id = ?").run(change.taskDir, id);
        if (change.groupId !== void 0)
          this.#sql("UPDATE containers SET group_id = ? WHERE id = ?").run(change.groupId, id);
        if (change.owner !== void 0)
          this.#sql("UPDATE containers SET owner = ? WHERE id = ?").run(
            toJsonText(change.owner, `the owner of container ${id}`),
            id
          );
        if (change.exec !== void 0)
          this.#sql("UPDATE containers SET exec = ? WHERE id = ?").run(
            toJsonText(change.exec, `the exec info of container ${id}`),
            id
          );
        return this.#mustGet(id);
      })()
    );
  }
  /** The container of that id, or undefined. */
  get(id) {
    const row = guard(
      `read container ${id}`,
      () => this.#sql(`SELECT ${COLUMNS2} FROM containers WHERE id = ?`).get(id)
    );
    return row === void 0 ? void 0 : parseContainerRow(row);
  }
  /**
   * A pod's containers: init, regular, ephemeral, each by name and attempt. With `latest`, only
   * the newest attempt of each container name.
   */
  listByPod(podUid, options = {}) {
    const sql = options.latest ? `SELECT ${COLUMNS2} FROM containers c WHERE pod_uid = ? AND attempt = (SELECT MAX(attempt) FROM containers d WHERE d.pod_uid = c.pod_uid AND d.type = c.type AND d.name = c.name) ORDER BY ${ORDER}` : `SELECT ${COLUMNS2} FROM containers WHERE pod_uid = ? ORDER BY ${ORDER}`;
    const rows = guard(`list the containers of pod ${podUid}`, () => this.#sql(sql).all(podUid));
    return rows.map(parseContainerRow);
  }
  /**
   * The containers of a pod by name — a pod of `hostpod run` has no uid in the database — newest
   * first; only those without a `pods` row when `runOnly`.
   */
  listByPodName(namespace, name, options = {}) {
    const rows = guard(
      `list the containers of pod ${namespace}/${name}`,
      () => this.#sql(
        `SELECT ${COLUMNS2} FROM containers WHERE pod_namespace = ? AND pod_name = ?${options.runOnly ? " AND pod_uid IS NULL" : ""} ORDER BY created_at DESC, ${ORDER}`
      ).all(namespace, name)
    );
    return rows.map(parseContainerRow);
  }
  /** Every container that is not terminated (waiting to start or running), of any pod. */
  listUnfinished() {
    const rows = guard(
      "list the unfinished containers",
      () => this.#sql(`SELECT ${COLUMNS2} FROM containers WHERE finished_at IS NULL ORDER BY created_at`).all()
    );
    return rows.map(parseContainerRow);
  }
  /**
   * Removes the ended rows of one container older than attempt `keepFrom` (the kubelet keeps one
   * dead container besides the current one) and returns their ids. `pod`: a daemon pod's uid, or
   * for a pod of `hostpod run` its names and the pid of the run that owns the rows.
   */
  pruneAttempts(pod, container, keepFrom) {
    const where = "uid" in pod ? "pod_uid = ?" : "pod_uid IS NULL AND pod_namespace = ? AND pod_name = ? AND json_extract(owner, '$.pid') = ?";
    const args = "uid" in pod ? [pod.uid] : [pod.namespace, pod.name, pod.ownerPid];
    return guard(
      `prune the runs of container ${container.name}`,
      () => this.#sql(
        `DELETE FROM containers WHERE ${where} AND type = ? AND name = ? AND attempt < ? AND finished_at IS NOT NULL RETURNING id`
      ).pluck().all(...args, container.type, container.name, keepFrom).map(String)
    );
  }
  /** Removes one container row (an old attempt). Returns false when there was none. */
  remove(id) {
    return guard(
      `remove container ${id}`,
      () => this.#sql("DELETE FROM containers WHERE id = ?").run(id).changes > 0
    );
  }
  #mustGet(id) {
    const c = this.get(id);
    if (c === void 0) throw notFound(id, "container");
    return c;
  }
};
function derived(s) {
  if ("terminated" in s)
    return {
      exitCode: s.terminated.exitCode,
      exitReason: s.terminated.reason,
      startedAt: s.terminated.startedAt ?? null,
      finishedAt: s.terminated.finishedAt
    };
  if ("running" in s)
    return { exitCode: null, exitReason: null, startedAt: s.running.startedAt, finishedAt: null };
  return { exitCode: null, exitReason: null, startedAt: null, finishedAt: null };
}
function parseContainerRow(row) {
  const r = new Row(row, "containers");
  const name = r.text("name");
  r.where = `container "${name}" (${r.text("id")})`;
  const id = rowContainerId(r.text("id"), r.where);
  const state = parseContainerState(r.jsonObject("state"), r.where, "state");
  const last = r.optJsonObject("last_state");
  const exitCode = r.optInt("exit_code");
  const exitReason = r.optText("exit_reason");
  const startedAt = r.optTime("started_at");
  const finishedAt = r.optTime("finished_at");
  const taskDir2 = r.optText("task_dir");
  const groupId = r.optText("group_id");
  const podUid = r.optText("pod_uid");
  const exec = r.optJsonObject("exec");
  const d = derived(state);
  if (d.exitCode !== (exitCode ?? null) || d.exitReason !== (exitReason ?? null) || d.finishedAt !== (finishedAt ?? null))
    throw damaged(r.where, "has exit columns that disagree with its state");
  return {
    id,
    ...podUid === void 0 ? {} : { podUid: rowPodUid(podUid, r.where) },
    pod: { namespace: r.text("pod_namespace"), name: r.text("pod_name") },
    name,
    type: r.oneOf("type", CONTAINER_TYPES),
    attempt: r.int("attempt"),
    image: r.text("image"),
    state,
    ...last === void 0 ? {} : { lastState: parseContainerState(last, r.where, "last_state") },
    ...exitCode === void 0 || exitReason === void 0 ? {} : { exit: { code: exitCode, reason: exitReason } },
    createdAt: r.time("created_at"),
    ...startedAt === void 0 ? {} : { startedAt },
    ...finishedAt === void 0 ? {} : { finishedAt },
    ...taskDir2 === void 0 ? {} : { taskDir: taskDir2 },
    ...groupId === void 0 ? {} : { groupId },
    owner: parseOwner(r.jsonObject("owner"), r.where),
    ...exec === void 0 ? {} : { exec: parseExec(exec, r.where) }
  };
}
function parseOwner(v, where) {
  if (typeof v.pid !== "number" || !Number.isSafeInteger(v.pid) || typeof v.startTime !== "string")
    throw damaged(where, "column owner is not a pid and start time");
  return { pid: v.pid, startTime: v.startTime, ...v.daemon === true ? { daemon: true } : {} };
}
function parseExec(v, where) {
  const bad = () => damaged(where, "column exec is not what an exec needs");
  const strings = (x) => {
    if (!Array.isArray(x) || !x.every((e) => typeof e === "string")) throw bad();
    return x;
  };
  if (v.layout !== "bind" && v.layout !== "symlink") throw bad();
  if (typeof v.mountPoint !== "string" || typeof v.cwd !== "string" || typeof v.ephemeralUser !== "boolean")
    throw bad();
  if (!Array.isArray(v.mappings)) throw bad();
  const mappings = v.mappings.map((m) => {
    if (typeof m !== "object" || m === null || Array.isArray(m)) throw bad();
    if (typeof m.source !== "string" || typeof m.target !== "string") throw bad();
    return { source: m.source, target: m.target };
  });
  return {
    layout: v.layout,
    mountPoint: v.mountPoint,
    mappings,
    env: strings(v.env),
    cwd: v.cwd,
    ephemeralUser: v.ephemeralUser
  };
}

// src/state/events.ts
var EVENTS_PER_POD = 200;
var EVENT_MESSAGE_MAX = 1024;
var EVENT_TYPES = ["Normal", "Warning"];
var COLUMNS3 = "id, pod_uid, first_time, time, count, type, reason, message";
var REASON = /^[A-Za-z][A-Za-z0-9]{0,127}$/;
var EventRepository = class {
  #db;
  #sql;
  #limit;
  /** `limit`: events kept per pod (tests use a small one). */
  constructor(db, limit = EVENTS_PER_POD) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#limit = limit;
  }
  /**
   * Records an event, continuing an equal one's series, then drops the pod's oldest beyond the
   * limit. Throws `InvalidArgument` (a reason that is not UpperCamelCase), `NotFound` (no such pod).
   */
  add(input) {
    if (!REASON.test(input.reason))
      throw new RuntimeError(
        "InvalidArgument",
        `Invalid event reason "${input.reason}": expected UpperCamelCase`,
        {
          hint: "use a kubelet-style reason such as BackOff or FailedMount"
        }
      );
    const message = input.message.length > EVENT_MESSAGE_MAX ? `${input.message.slice(0, EVENT_MESSAGE_MAX - 1)}\u2026` : input.message;
    const at = input.at ?? (/* @__PURE__ */ new Date()).toISOString();
    const pod = input.podUid ?? null;
    return guard(
      `record event ${input.reason} of ${pod === null ? "the node" : `pod ${pod}`}`,
      () => this.#db.transaction(() => {
        const prev = this.#sql(
          "SELECT first_time, count FROM events WHERE pod_uid IS ? AND type = ? AND reason = ? AND message = ? ORDER BY id DESC LIMIT 1"
        ).get(pod, input.type, input.reason, message);
        let firstTime = at;
        let count = 1;
        if (prev !== void 0) {
          const r = new Row(prev, `event ${input.reason}`);
          firstTime = r.time("first_time");
          count = r.int("count") + 1;
          this.#sql("DELETE FROM events WHERE pod_uid IS ? AND type = ? AND reason = ? AND message = ?").run(
            pod,
            input.type,
            input.reason,
            message
          );
        }
        let id;
        try {
          id = this.#sql(
            "INSERT INTO events (pod_uid, first_time, time, count, type, reason, message) VALUES (?, ?, ?, ?, ?, ?, ?)"
          ).run(pod, firstTime, at, count, input.type, input.reason, message).lastInsertRowid;
        } catch (err) {
          if (sqliteCode(err) === "SQLITE_CONSTRAINT_FOREIGNKEY" && input.podUid)
            throw notFound(input.podUid);
          throw err;
        }
        this.#sql(
          "DELETE FROM events WHERE pod_uid IS ? AND id <= (SELECT id FROM events WHERE pod_uid IS ? ORDER BY id DESC LIMIT 1 OFFSET ?)"
        ).run(pod, pod, this.#limit);
        return parseEventRow(this.#sql(`SELECT ${COLUMNS3} FROM events WHERE id = ?`).get(id));
      })()
    );
  }
  /**
   * Events oldest first: of one pod (`podUid`), of the node (`podUid: null`), or all; only
   * those after `afterId` when given (to follow new ones).
   */
  list(options = {}) {
    const where = ["id > ?"];
    const args = [options.afterId ?? 0];
    if (options.podUid !== void 0) {
      where.push("pod_uid IS ?");
      args.push(options.podUid);
    }
    const rows = guard(
      "list events",
      () => this.#sql(`SELECT ${COLUMNS3} FROM events WHERE ${where.join(" AND ")} ORDER BY id`).all(...args)
    );
    return rows.map(parseEventRow);
  }
};
function parseEventRow(row) {
  const r = new Row(row, "events");
  const id = r.int("id");
  r.where = `event ${id}`;
  const pod = r.optText("pod_uid");
  return {
    id,
    ...pod === void 0 ? {} : { podUid: rowPodUid(pod, r.where) },
    type: r.oneOf("type", EVENT_TYPES),
    reason: r.text("reason"),
    message: r.text("message"),
    firstTime: r.time("first_time"),
    time: r.time("time"),
    count: r.int("count")
  };
}

// src/state/migrations/0001-initial.ts
var APPLICATION_ID = 1752199012;
var migration0001 = {
  version: 1,
  name: "initial",
  up(db) {
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE pods (
        uid TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        manifest TEXT NOT NULL CHECK (json_valid(manifest)),
        source TEXT NOT NULL CHECK (source IN ('apply', 'static')),
        source_path TEXT,
        created_at TEXT NOT NULL,
        deleted_at TEXT,
        status TEXT CHECK (status IS NULL OR json_valid(status)),
        generation INTEGER NOT NULL CHECK (generation >= 1),
        UNIQUE (namespace, name),
        CHECK ((source = 'static') = (source_path IS NOT NULL))
      ) STRICT;

      CREATE TABLE containers (
        id TEXT PRIMARY KEY,
        pod_uid TEXT NOT NULL REFERENCES pods (uid) ON DELETE CASCADE,
        name TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('init_container', 'container', 'ephemeral_container')),
        attempt INTEGER NOT NULL CHECK (attempt >= 0),
        image TEXT NOT NULL,
        state TEXT NOT NULL CHECK (json_valid(state)),
        last_state TEXT CHECK (last_state IS NULL OR json_valid(last_state)),
        exit_code INTEGER,
        exit_reason TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        task_dir TEXT,
        group_id TEXT,
        UNIQUE (pod_uid, type, name, attempt),
        CHECK ((exit_code IS NULL) = (finished_at IS NULL)),
        CHECK ((exit_reason IS NULL) = (finished_at IS NULL))
      ) STRICT;

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pod_uid TEXT REFERENCES pods (uid) ON DELETE CASCADE,
        time TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('Normal', 'Warning')),
        reason TEXT NOT NULL,
        message TEXT NOT NULL
      ) STRICT;
      CREATE INDEX events_by_pod ON events (pod_uid, id);

      CREATE TABLE objects (
        kind TEXT NOT NULL CHECK (kind IN ('ConfigMap', 'Secret')),
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        object TEXT NOT NULL CHECK (json_valid(object)),
        generation INTEGER NOT NULL CHECK (generation >= 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name)
      ) STRICT, WITHOUT ROWID;
    `);
  }
};

// src/state/migrate.ts
function readSchemaVersion(db, path) {
  const appId = db.pragma("application_id", { simple: true });
  if (appId !== 0 && appId !== APPLICATION_ID) throw notOurs(path, `its application id is ${String(appId)}`);
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get();
  if (hasMeta === void 0) {
    const any = db.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' LIMIT 1").get();
    if (any !== void 0) throw notOurs(path, "it has tables but no hostpod meta table");
    return 0;
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
  const where = `meta "schema_version" in ${path}`;
  if (row === void 0)
    throw new RuntimeError("DataLoss", `State database ${path} has no schema version`, {
      hint: "the file was changed outside hostpod: restore state.db from a backup"
    });
  const text = new Row(row, where).text("value");
  const v = Number(text);
  if (!/^[1-9][0-9]{0,8}$/.test(text) || !Number.isSafeInteger(v))
    throw new RuntimeError("DataLoss", `State database ${path} has a damaged schema version "${text}"`, {
      hint: "the file was changed outside hostpod: restore state.db from a backup"
    });
  return v;
}
function notOurs(path, why) {
  return new RuntimeError("FailedPrecondition", `${path} is not a hostpod state database: ${why}`, {
    hint: "point --root at a hostpod state root, or move the file away"
  });
}
function newerSchema(path, found, known) {
  return new RuntimeError(
    "FailedPrecondition",
    `State database ${path} has schema version ${found}, this hostpod knows up to ${known}: upgrade hostpod or point --root elsewhere`,
    { hint: "a newer hostpod wrote this database; this one will not touch it" }
  );
}
function migrate(db, path, migrations) {
  const known = migrations.length;
  for (const [i, m] of migrations.entries()) {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  }
  const from = readSchemaVersion(db, path);
  if (from > known) throw newerSchema(path, from, known);
  let to = from;
  for (const m of migrations) {
    if (m.version <= to) continue;
    const step = db.transaction(() => {
      const current = readSchemaVersion(db, path);
      if (current > known) throw newerSchema(path, current, known);
      if (current >= m.version) return current;
      if (current !== m.version - 1)
        throw new Error(`schema version ${current} cannot take migration ${m.version}`);
      m.up(db);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(
        String(m.version)
      );
      return m.version;
    });
    to = step.immediate();
  }
  return { from, to };
}

// src/state/migrations/0002-event-series.ts
var migration0002 = {
  version: 2,
  name: "event-series",
  up(db) {
    const seqRow = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get();
    const lastId = seqRow === void 0 ? 0 : new Row(seqRow, 'sqlite_sequence "events"').int("seq");
    db.exec(`
      CREATE TABLE events_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pod_uid TEXT REFERENCES pods (uid) ON DELETE CASCADE,
        first_time TEXT NOT NULL,
        time TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 1),
        type TEXT NOT NULL CHECK (type IN ('Normal', 'Warning')),
        reason TEXT NOT NULL,
        message TEXT NOT NULL
      ) STRICT;
      INSERT INTO events_new (id, pod_uid, first_time, time, count, type, reason, message)
        SELECT id, pod_uid, time, time, 1, type, reason, message FROM events;
      DROP TABLE events;
      ALTER TABLE events_new RENAME TO events;
      CREATE INDEX events_by_pod ON events (pod_uid, id);
    `);
    db.prepare("DELETE FROM sqlite_sequence WHERE name = 'events'").run();
    db.prepare(
      "INSERT INTO sqlite_sequence (name, seq) VALUES ('events', MAX(?, (SELECT IFNULL(MAX(id), 0) FROM events)))"
    ).run(lastId);
  }
};

// src/state/migrations/0003-container-record.ts
var migration0003 = {
  version: 3,
  name: "container-record",
  up(db) {
    db.exec(`
      CREATE TABLE containers_new (
        id TEXT PRIMARY KEY,
        pod_uid TEXT REFERENCES pods (uid) ON DELETE CASCADE,
        pod_namespace TEXT NOT NULL,
        pod_name TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('init_container', 'container', 'ephemeral_container')),
        attempt INTEGER NOT NULL CHECK (attempt >= 0),
        image TEXT NOT NULL,
        state TEXT NOT NULL CHECK (json_valid(state)),
        last_state TEXT CHECK (last_state IS NULL OR json_valid(last_state)),
        exit_code INTEGER,
        exit_reason TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        task_dir TEXT,
        group_id TEXT,
        owner TEXT NOT NULL CHECK (json_valid(owner)),
        exec TEXT CHECK (exec IS NULL OR json_valid(exec)),
        UNIQUE (pod_uid, type, name, attempt),
        CHECK ((exit_code IS NULL) = (finished_at IS NULL)),
        CHECK ((exit_reason IS NULL) = (finished_at IS NULL))
      ) STRICT;
      INSERT INTO containers_new
        SELECT c.id, c.pod_uid, p.namespace, p.name, c.name, c.type, c.attempt, c.image, c.state,
               c.last_state, c.exit_code, c.exit_reason, c.created_at, c.started_at, c.finished_at,
               c.task_dir, c.group_id, '{"daemon":true,"pid":0,"startTime":""}', NULL
        FROM containers c JOIN pods p ON p.uid = c.pod_uid;
      DROP TABLE containers;
      ALTER TABLE containers_new RENAME TO containers;
      CREATE INDEX containers_by_pod_name ON containers (pod_namespace, pod_name);
    `);
  }
};

// src/state/migrations/0004-stored-status.ts
var migration0004 = {
  version: 4,
  name: "stored-status",
  up(db) {
    const update = db.prepare("UPDATE pods SET status = ? WHERE uid = ?");
    for (const raw of db.prepare("SELECT uid, status FROM pods WHERE status IS NOT NULL").all()) {
      const r = new Row(raw, "pods");
      const uid = r.text("uid");
      const old = JSON.parse(r.text("status"));
      if (!Array.isArray(old.containerStatuses) && !Array.isArray(old.initContainerStatuses)) continue;
      const containers = {};
      for (const [type, list] of [
        ["init_container", old.initContainerStatuses],
        ["container", old.containerStatuses]
      ]) {
        for (const c of Array.isArray(list) ? list : []) {
          if (typeof c.name !== "string") continue;
          const waiting = c.state?.waiting;
          containers[`${type}/${c.name}`] = {
            attempt: typeof c.restartCount === "number" ? c.restartCount : 0,
            ready: c.ready === true,
            started: c.started === true,
            ...typeof waiting === "object" && waiting !== null ? { waiting } : {}
          };
        }
      }
      const next = {
        phase: old.phase,
        conditions: Array.isArray(old.conditions) ? old.conditions : [],
        startTime: typeof old.startTime === "string" ? old.startTime : (/* @__PURE__ */ new Date(0)).toISOString(),
        containers
      };
      update.run(canonical(next), uid);
    }
  }
};
function canonical(v) {
  const sort = (x) => Array.isArray(x) ? x.map(sort) : typeof x === "object" && x !== null ? Object.fromEntries(
    Object.keys(x).sort().map((k) => [k, sort(x[k])])
  ) : x;
  return JSON.stringify(sort(v));
}

// src/state/migrations/index.ts
var MIGRATIONS = [migration0001, migration0002, migration0003, migration0004];
var SCHEMA_VERSION = MIGRATIONS.length;

// src/state/objects.ts
var OBJECT_KINDS = ["ConfigMap", "Secret"];
var COLUMNS4 = "kind, namespace, name, object, generation, created_at, updated_at";
var ObjectRepository = class {
  #db;
  #sql;
  constructor(db) {
    this.#db = db;
    this.#sql = statementCache(db);
  }
  /**
   * Stores the object (kind, namespace and name from the arguments; the object's own
   * `kind`/`metadata` must agree when present). Throws `InvalidArgument`.
   */
  put(kind, object, options = {}) {
    const meta = Reflect.get(object, "metadata");
    const name = typeof meta === "object" && meta !== null ? Reflect.get(meta, "name") : void 0;
    const ownNs = typeof meta === "object" && meta !== null ? Reflect.get(meta, "namespace") : void 0;
    const namespace = options.namespace ?? (typeof ownNs === "string" ? ownNs : "default");
    const ownKind = Reflect.get(object, "kind");
    if (typeof name !== "string")
      throw new RuntimeError("InvalidArgument", `Cannot store a ${kind} without metadata.name`);
    if (ownKind !== void 0 && ownKind !== kind)
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot store ${kind} "${namespace}/${name}": its kind is ${String(ownKind)}`
      );
    if (typeof ownNs === "string" && ownNs !== namespace)
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot store ${kind} "${namespace}/${name}": its namespace is ${ownNs}`
      );
    checkNames(kind, namespace, name);
    const what = `${kind} "${namespace}/${name}"`;
    const text = toJsonText(object, what);
    const at = options.at ?? (/* @__PURE__ */ new Date()).toISOString();
    return guard(
      `store ${what}`,
      () => this.#db.transaction(() => {
        const existing = this.get(kind, namespace, name);
        if (existing !== void 0 && toJsonText(existing.object, what) === text)
          return { object: existing, change: "unchanged" };
        this.#sql(
          `INSERT INTO objects (${COLUMNS4}) VALUES (?, ?, ?, ?, 1, ?, ?)
             ON CONFLICT (kind, namespace, name) DO UPDATE SET object = excluded.object, generation = generation + 1, updated_at = excluded.updated_at`
        ).run(kind, namespace, name, text, at, at);
        const stored = this.get(kind, namespace, name);
        if (stored === void 0) throw new Error(`${what} vanished inside its transaction`);
        return {
          object: stored,
          change: existing === void 0 ? "created" : "configured"
        };
      })()
    );
  }
  /** The object, or undefined. */
  get(kind, namespace, name) {
    const row = guard(
      `read ${kind} "${namespace}/${name}"`,
      () => this.#sql(`SELECT ${COLUMNS4} FROM objects WHERE kind = ? AND namespace = ? AND name = ?`).get(
        kind,
        namespace,
        name
      )
    );
    return row === void 0 ? void 0 : parseObjectRow(row);
  }
  /** Objects by kind, namespace and name; filtered by kind and namespace when given. */
  list(options = {}) {
    const rows = guard(
      "list objects",
      () => this.#sql(
        `SELECT ${COLUMNS4} FROM objects WHERE (@kind IS NULL OR kind = @kind) AND (@ns IS NULL OR namespace = @ns) ORDER BY kind, namespace, name`
      ).all({ kind: options.kind ?? null, ns: options.namespace ?? null })
    );
    return rows.map(parseObjectRow);
  }
  /** Removes the object. Returns false when there was none. */
  remove(kind, namespace, name) {
    return guard(
      `remove ${kind} "${namespace}/${name}"`,
      () => this.#sql("DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?").run(
        kind,
        namespace,
        name
      ).changes > 0
    );
  }
};
function parseObjectRow(row) {
  const r = new Row(row, "objects");
  const kind = r.oneOf("kind", OBJECT_KINDS);
  const namespace = r.text("namespace");
  const name = r.text("name");
  r.where = `${kind} "${namespace}/${name}"`;
  const object = r.jsonObject("object");
  if (object.kind !== void 0 && object.kind !== kind)
    throw damaged(r.where, `holds a ${String(object.kind)}`);
  return {
    kind,
    namespace,
    name,
    object,
    generation: r.int("generation"),
    createdAt: r.time("created_at"),
    updatedAt: r.time("updated_at")
  };
}

// src/state/state-db.ts
function stateDbPath(root) {
  return join5(root, "state.db");
}
var DAMAGED_HINT = "hostpod will not overwrite it: move it aside (the pods it recorded are then forgotten) or restore it from a backup";
var StateDb = class {
  path;
  schemaVersion;
  pods;
  containers;
  events;
  objects;
  #db;
  /** Use `openStateDb`. */
  constructor(db, path, schemaVersion, eventsPerPod) {
    this.#db = db;
    this.path = path;
    this.schemaVersion = schemaVersion;
    this.pods = new PodRepository(db);
    this.containers = new ContainerRepository(db);
    this.events = new EventRepository(db, eventsPerPod);
    this.objects = new ObjectRepository(db);
  }
  /**
   * Runs `fn` in one immediate (write-locking) transaction and returns its result once it is
   * committed: a caller reports a transition only after this returns, so what was reported is on
   * disk. When `fn` throws, nothing it did is kept. Inside another transition it nests (a
   * savepoint). `fn` must be synchronous (`Internal` otherwise). Throws what `fn` throws, or
   * `Unavailable` (locked too long, I/O error), `ResourceExhausted` (disk full) from the commit.
   */
  transition(fn) {
    const run = this.#db.transaction(() => {
      const r = fn();
      if (typeof r === "object" && r !== null && typeof Reflect.get(r, "then") === "function")
        throw new RuntimeError("Internal", "A state transition returned a promise: it must be synchronous");
      return r;
    });
    return guard("commit a state transition", () => run.immediate());
  }
  /** `PRAGMA quick_check`: `['ok']` for a sound database, else SQLite's findings. */
  quickCheck() {
    return guard("check the state database", () => quickCheck(this.#db));
  }
  /** Closes the database (a checkpoint folds the WAL into the file). Idempotent. */
  close() {
    if (this.#db.open) this.#db.close();
  }
};
function openStateDb(path, options = {}) {
  const migrations = options.migrations ?? MIGRATIONS;
  const known = migrations.length;
  const readonly = options.readonly ?? false;
  const timeout = options.busyTimeoutMs ?? 5e3;
  if (!readonly) createEmpty(path);
  const found = inspect(path, readonly, timeout);
  if (found > known) throw newerSchema(path, found, known);
  if (readonly && found < known)
    throw new RuntimeError(
      "FailedPrecondition",
      `State database ${path} has schema version ${found}, this hostpod reads only version ${known}`,
      { hint: "start `hostpod daemon` once so that it migrates the database" }
    );
  const db = guard(
    `open the state database ${path}`,
    () => new Database(path, { readonly, fileMustExist: true, timeout })
  );
  try {
    db.pragma(`busy_timeout = ${timeout}`);
    if (readonly) {
      db.pragma("query_only = ON");
    } else {
      const mode = db.pragma("journal_mode = WAL", { simple: true });
      if (mode !== "wal")
        throw new RuntimeError("Unavailable", `Cannot use WAL for ${path}: journal mode is ${String(mode)}`);
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
    }
    const version = readonly ? found : migrate(db, path, migrations).to;
    return new StateDb(db, path, version, options.eventsPerPod ?? EVENTS_PER_POD);
  } catch (err) {
    db.close();
    throw toRuntimeError(err, `open the state database ${path}`);
  }
}
function createEmpty(path) {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 448 });
  } catch (err) {
    throw toRuntimeError(err, `create the state root ${dirname(path)}`);
  }
  try {
    closeSync(openSync(path, "wx", 384));
  } catch (err) {
    if (errnoCode(err) === "EEXIST") return;
    throw toRuntimeError(err, `create the state database ${path}`);
  }
}
var MAGIC = Buffer.from("SQLite format 3\0", "latin1");
function inspect(path, readonly, timeout) {
  let size;
  try {
    size = statSync(path).size;
  } catch (err) {
    if (errnoCode(err) === "ENOENT" && readonly)
      throw new RuntimeError("NotFound", `No state database at ${path}`, {
        hint: "start `hostpod daemon` with this --root first, or check --root"
      });
    throw toRuntimeError(err, `read the state database ${path}`);
  }
  if (size > 0) {
    const head = Buffer.alloc(MAGIC.length);
    const fd = openSync(path, "r");
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    if (size < 100 || !head.equals(MAGIC))
      throw new RuntimeError("DataLoss", `State database ${path} is not a SQLite database`, {
        hint: DAMAGED_HINT
      });
  }
  let db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout });
    const check = quickCheck(db);
    if (check.length !== 1 || check[0] !== "ok")
      throw new RuntimeError(
        "DataLoss",
        `State database ${path} is damaged: ${check.slice(0, 3).join("; ")}`,
        {
          hint: DAMAGED_HINT
        }
      );
    return readSchemaVersion(db, path);
  } catch (err) {
    const code = sqliteCode(err);
    if (code?.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB")
      throw new RuntimeError("DataLoss", `State database ${path} is damaged: ${describeError(err)}`, {
        hint: DAMAGED_HINT,
        cause: err
      });
    throw toRuntimeError(err, `read the state database ${path}`);
  } finally {
    db?.close();
  }
}
function quickCheck(db) {
  return db.prepare("PRAGMA quick_check").raw().all().map((row) => Array.isArray(row) ? String(row[0]) : String(row));
}

export {
  shimPath,
  parseShimError,
  hasSandboxToken,
  replaceSandboxTokens,
  normalizeSeparators,
  stripTrailingSlash,
  translatePath,
  resolveInRoot,
  mkdirInRoot,
  mkdirs,
  makeContainerProbe,
  DEFAULT_PATH,
  userBaseEnv,
  parseImageEnv,
  buildEnv,
  getEnv,
  readExit,
  selectArgv,
  expandArgv,
  resolveExecutable,
  DEFAULT_LOG_ROTATION,
  encodeLaunchSpec,
  shimIdentity,
  shimAlive,
  waitTask,
  parseContainerId,
  spawnExec,
  execTargetOf,
  findRunningContainer,
  targetTask,
  execArgv,
  stateDbPath,
  openStateDb
};
