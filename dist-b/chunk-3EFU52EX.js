import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/image/private-dir.ts
import { constants } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
async function ensurePrivateDir(dir) {
  await mkdir(dirname(dir), { recursive: true });
  try {
    await mkdir(dir, { mode: 448 });
  } catch (e) {
    if (errnoCode(e) !== "EEXIST") throw e;
  }
  let fh;
  try {
    fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    if (errnoCode(e) === "ENOTDIR") {
      throw new RuntimeError("FailedPrecondition", `Cannot use ${dir}: it is not a directory`, {
        hint: "move the file away; hostpod keeps image content in that directory"
      });
    }
    throw e;
  }
  try {
    const st = await fh.stat();
    const euid = process.geteuid?.() ?? st.uid;
    if (st.uid === euid && (st.mode & 63) !== 0) await fh.chmod(st.mode & 4032);
  } finally {
    await fh.close();
  }
}

export {
  ensurePrivateDir
};
