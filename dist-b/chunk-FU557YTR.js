import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/image/registry/docker-config.ts
import { readFile } from "node:fs/promises";
import { join } from "node:path";
function dockerConfigPath(env) {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, "config.json");
  if (env.HOME) return join(env.HOME, ".docker", "config.json");
  return void 0;
}
function normalizeAuthKey(key) {
  let h = key.trim().replace(/^[a-z]+:\/\//i, "");
  const slash = h.indexOf("/");
  if (slash >= 0) h = h.slice(0, slash);
  h = h.toLowerCase();
  if (h === "index.docker.io" || h === "registry-1.docker.io") return "docker.io";
  return h;
}
function parseDockerConfig(doc, source = "Docker config") {
  const out = /* @__PURE__ */ new Map();
  if (typeof doc !== "object" || doc === null) {
    throw new RuntimeError("InvalidArgument", `Invalid ${source}: not a JSON object`);
  }
  const auths = doc.auths;
  if (auths === void 0 || auths === null) return out;
  if (typeof auths !== "object")
    throw new RuntimeError("InvalidArgument", `Invalid ${source}: "auths" is not an object`);
  for (const [key, v] of Object.entries(auths)) {
    if (typeof v !== "object" || v === null) continue;
    const e = v;
    if (typeof e.auth === "string" && e.auth !== "") {
      const text = Buffer.from(e.auth, "base64").toString("utf8");
      const colon = text.indexOf(":");
      if (colon <= 0) {
        throw new RuntimeError(
          "InvalidArgument",
          `Invalid ${source}: auths["${key}"].auth is not base64 of user:password`,
          {
            hint: "write it as the output of: printf %s user:password | base64"
          }
        );
      }
      out.set(normalizeAuthKey(key), { username: text.slice(0, colon), password: text.slice(colon + 1) });
    } else if (typeof e.username === "string" && typeof e.password === "string") {
      out.set(normalizeAuthKey(key), { username: e.username, password: e.password });
    }
  }
  return out;
}
async function loadDockerCredentials(env) {
  const path = dockerConfigPath(env);
  if (!path) return () => void 0;
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return () => void 0;
    throw new RuntimeError("PermissionDenied", `Cannot read Docker config ${path}: ${e.message}`, {
      cause: e
    });
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RuntimeError("InvalidArgument", `Invalid Docker config ${path}: not JSON`, { cause: e });
  }
  const map = parseDockerConfig(doc, `Docker config ${path}`);
  return (host) => map.get(normalizeAuthKey(host));
}

export {
  dockerConfigPath,
  normalizeAuthKey,
  parseDockerConfig,
  loadDockerCredentials
};
