import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/lib/walk-path.ts
import { lstat, readlink } from "node:fs/promises";
var MAX_SYMLINKS = 40;
async function walkPath(path, walker) {
  let pending = split(path);
  const done = [];
  let missing = 0;
  let links = 0;
  let kind = "dir";
  while (pending.length > 0) {
    const c = pending.shift();
    if (c === "..") {
      done.pop();
      if (missing > 0) missing--;
      kind = "dir";
      continue;
    }
    if (missing > 0) {
      done.push(c);
      missing++;
      continue;
    }
    const here = `/${[...done, c].join("/")}`;
    const host = walker.toHost(here);
    kind = await walker.lstatKind(host);
    if (kind === "symlink") {
      if (++links > MAX_SYMLINKS) {
        throw new RuntimeError(
          "InvalidArgument",
          `Cannot resolve "${path}": too many levels of symbolic links`
        );
      }
      const target = await walker.readlink(host);
      if (target.startsWith("/")) done.length = 0;
      pending = [...split(target), ...pending];
      kind = "dir";
      continue;
    }
    done.push(c);
    if (kind === "missing" || kind === "file" && pending.length > 0) missing = 1;
  }
  const resolved = `/${done.join("/")}`;
  if (missing > 0) return { path: resolved, kind: "missing" };
  return { path: resolved, kind: kind === "file" ? "file" : "dir" };
}
function split(p) {
  return p.split("/").filter((c) => c !== "" && c !== ".");
}
function fsWalker(toHost) {
  return {
    toHost,
    async lstatKind(hostPath) {
      try {
        const st = await lstat(hostPath);
        return st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : "file";
      } catch (err) {
        const code = errnoCode(err);
        if (code === "ENOENT" || code === "ENOTDIR") return "missing";
        throw err;
      }
    },
    readlink: (hostPath) => readlink(hostPath)
  };
}
function rootedFsWalker(root) {
  const r = root.endsWith("/") ? root.slice(0, -1) : root;
  return fsWalker((p) => p === "/" ? r : `${r}${p}`);
}

export {
  MAX_SYMLINKS,
  walkPath,
  fsWalker,
  rootedFsWalker
};
