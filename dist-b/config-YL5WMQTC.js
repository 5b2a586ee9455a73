import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  yaml
} from "./chunk-TUMEQKHW.js";
import {
  integerValue,
  parseQuantity
} from "./chunk-EZCFANLO.js";
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/daemon/config.ts
import { readFile } from "node:fs/promises";
var DEFAULT_CONFIG_FILE = "/etc/hostpod/config.yaml";
var DEFAULTS = {
  root: "/var/lib/hostpod",
  socket: "/run/hostpod/hostpod.sock",
  layout: "bind",
  nodeLabels: {},
  metricsAddress: "127.0.0.1:9470",
  staticPodDir: "/etc/hostpod/manifests",
  logRotation: { maxBytes: 10 * 1024 * 1024, maxFiles: 5 },
  logLevel: "info",
  insecureRegistries: [],
  registryConfigDir: "/etc/hostpod/certs.d"
};
var KEYS = [
  "root",
  "socket",
  "socketGroup",
  "layout",
  "cgroupParent",
  "nodeName",
  "nodeLabels",
  "serviceAccounts",
  "metricsAddress",
  "staticPodDir",
  "logMaxSize",
  "logMaxFiles",
  "logLevel",
  "insecureRegistries",
  "registryConfigDir",
  "serviceAccountTokenFile",
  "workspace"
];
async function readConfigFile(path, required) {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT" && !required) return {};
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot read the config file ${path}: ${errnoCode(e) ?? String(e)}`,
      {
        cause: e
      }
    );
  }
  let v;
  try {
    v = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (e) {
    throw new RuntimeError("InvalidArgument", `Cannot read the config file ${path}: not YAML: ${String(e)}`);
  }
  if (v === void 0 || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot read the config file ${path}: expected a mapping of keys`
    );
  for (const k of Object.keys(v))
    if (!KEYS.includes(k))
      throw new RuntimeError("InvalidArgument", `${path}: unknown key "${k}"`, {
        hint: `known keys: ${KEYS.join(", ")} (see contrib/config.yaml)`
      });
  return v;
}
function buildConfig(file, flags, where) {
  const merged = { ...file };
  for (const [k, v] of Object.entries(flags)) if (v !== void 0) merged[k] = v;
  const bad = (key, want) => new RuntimeError("InvalidArgument", `${where}: ${key}: expected ${want}`);
  const str = (key) => {
    const v = merged[key];
    if (v === void 0) return void 0;
    if (typeof v !== "string") throw bad(key, "a string");
    return v;
  };
  const c = { ...DEFAULTS, nodeLabels: {}, insecureRegistries: [] };
  const root = str("root");
  if (root !== void 0) {
    if (!root.startsWith("/")) throw bad("root", "an absolute path");
    c.root = root;
  }
  const socket = str("socket");
  if (socket !== void 0) {
    if (!socket.startsWith("/")) throw bad("socket", "an absolute path");
    c.socket = socket;
  }
  const group = merged.socketGroup;
  if (group !== void 0) {
    if (typeof group !== "string" && typeof group !== "number")
      throw bad("socketGroup", "a group name or gid");
    c.socketGroup = String(group);
  }
  const layout = str("layout");
  if (layout !== void 0) {
    if (layout !== "bind" && layout !== "symlink") throw bad("layout", '"bind" or "symlink"');
    c.layout = layout;
  }
  const parent = str("cgroupParent");
  if (parent !== void 0) c.cgroupParent = parent;
  const nodeName = str("nodeName");
  if (nodeName !== void 0) c.nodeName = nodeName;
  const labels = merged.nodeLabels;
  if (labels !== void 0) {
    if (typeof labels !== "object" || labels === null || Array.isArray(labels))
      throw bad("nodeLabels", "a mapping of label \u2192 value");
    for (const [k, v] of Object.entries(labels)) {
      if (typeof v !== "string") throw bad(`nodeLabels.${k}`, "a string");
      c.nodeLabels[k] = v;
    }
  }
  const sa = merged.serviceAccounts;
  if (sa !== void 0) {
    if (typeof sa !== "object" || sa === null || Array.isArray(sa))
      throw bad("serviceAccounts", "a mapping with localService and networkService");
    const out = {};
    for (const [k, v] of Object.entries(sa)) {
      if (k !== "localService" && k !== "networkService") throw bad(`serviceAccounts.${k}`, "no such key");
      if (typeof v !== "string") throw bad(`serviceAccounts.${k}`, "a user name");
      out[k] = v;
    }
    c.serviceAccounts = out;
  }
  const metrics = str("metricsAddress");
  if (metrics !== void 0) c.metricsAddress = metrics;
  const dir = str("staticPodDir");
  if (dir !== void 0) {
    if (dir !== "" && !dir.startsWith("/")) throw bad("staticPodDir", 'an absolute path, or "" for none');
    c.staticPodDir = dir;
  }
  const size = merged.logMaxSize;
  if (size !== void 0) {
    const q = parseQuantity(String(size));
    const bytes = q.ok ? Number(integerValue(q.value)) : Number.NaN;
    if (!Number.isSafeInteger(bytes) || bytes < 1) throw bad("logMaxSize", "a size such as 10Mi");
    c.logRotation = { ...c.logRotation, maxBytes: bytes };
  }
  const files = merged.logMaxFiles;
  if (files !== void 0) {
    const n = typeof files === "number" ? files : Number(files);
    if (!Number.isSafeInteger(n) || n < 2 || n > 100) throw bad("logMaxFiles", "a count from 2 to 100");
    c.logRotation = { ...c.logRotation, maxFiles: n };
  }
  const level = str("logLevel");
  if (level !== void 0) {
    if (!["debug", "info", "warn", "error"].includes(level))
      throw bad("logLevel", "debug, info, warn or error");
    c.logLevel = level;
  }
  const insecure = merged.insecureRegistries;
  if (insecure !== void 0) {
    if (!Array.isArray(insecure) || insecure.some((x) => typeof x !== "string"))
      throw bad("insecureRegistries", "a list of host[:port]");
    c.insecureRegistries = insecure;
  }
  const registryDir = str("registryConfigDir");
  if (registryDir !== void 0) {
    if (!registryDir.startsWith("/")) throw bad("registryConfigDir", "an absolute path");
    c.registryConfigDir = registryDir;
  }
  const token = str("serviceAccountTokenFile");
  if (token !== void 0) c.serviceAccountTokenFile = token;
  const ws = str("workspace");
  if (ws !== void 0) {
    if (ws !== "auto" && ws !== "overlay" && ws !== "copy") throw bad("workspace", "auto, overlay or copy");
    c.workspace = ws;
  }
  return c;
}
export {
  DEFAULTS,
  DEFAULT_CONFIG_FILE,
  buildConfig,
  readConfigFile
};
