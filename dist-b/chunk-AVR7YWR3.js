import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/lib/process-identity.ts
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
function parseProcStat(text) {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 1 || close < open) return void 0;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(" ");
  if (!Number.isSafeInteger(pid) || rest.length < 22) return void 0;
  const startTime = rest[19];
  if (!/^\d+$/.test(startTime)) return void 0;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    startTime,
    rssPages: Number(rest[21])
  };
}
async function readProcStat(pid) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return void 0;
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return void 0;
  }
}
function readProcStatSync(pid) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return void 0;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return void 0;
  }
}
function selfIdentity() {
  return { pid: process.pid, startTime: readProcStatSync(process.pid)?.startTime ?? "" };
}
function matches(st, id) {
  if (st === void 0 || st.state === "Z" || st.state === "X") return false;
  if (id.startTime !== "" && st.startTime !== id.startTime) return false;
  return id.comm === void 0 || st.comm === id.comm;
}
async function isAlive(id) {
  return matches(await readProcStat(id.pid), id);
}
function isAliveSync(id) {
  return matches(readProcStatSync(id.pid), id);
}
function formatIdentity(id) {
  return id.startTime === "" ? String(id.pid) : `${id.pid} ${id.startTime}`;
}
function parseIdentity(text) {
  const m = /^\s*([1-9]\d{0,9})(?:[ \t]+(\d+))?\s*$/.exec(text);
  if (!m) return void 0;
  return { pid: Number(m[1]), startTime: m[2] ?? "" };
}

export {
  readProcStat,
  readProcStatSync,
  selfIdentity,
  isAlive,
  isAliveSync,
  formatIdentity,
  parseIdentity
};
