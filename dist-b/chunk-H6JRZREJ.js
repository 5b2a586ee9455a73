import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/image/registry/http.ts
var TimeoutError = class extends Error {
  code = "ETIMEDOUT";
};
function httpRequest(url, opts) {
  return new Promise((resolve, reject) => {
    const reqOpts = {
      method: opts.method,
      headers: opts.headers,
      agent: opts.transport.agent
    };
    if (opts.signal) reqOpts.signal = opts.signal;
    if (opts.lookup) reqOpts.lookup = opts.lookup;
    const req = opts.transport.mod.request(url, reqOpts);
    let res;
    let ended = false;
    req.on("timeout", () => {
      if (ended) return;
      if (res) {
        res.destroy(new TimeoutError(`body timeout: no data for ${opts.bodyTimeoutMs} ms`));
      } else {
        req.destroy(new TimeoutError(`headers timeout: no response within ${opts.headersTimeoutMs} ms`));
      }
    });
    req.setTimeout(opts.headersTimeoutMs);
    if (opts.dialTimeoutMs !== void 0) {
      const ms = opts.dialTimeoutMs;
      req.once("socket", (s) => {
        if (!s.connecting) return;
        const t = setTimeout(
          () => req.destroy(new TimeoutError(`connect timeout: no connection within ${ms} ms`)),
          ms
        );
        s.once("connect", () => clearTimeout(t));
        s.once("close", () => clearTimeout(t));
      });
    }
    req.once("response", (r) => {
      res = r;
      r.once("end", () => {
        ended = true;
      });
      req.setTimeout(opts.bodyTimeoutMs);
      resolve({ statusCode: r.statusCode ?? 0, headers: r.headers, body: r });
    });
    req.once("error", reject);
    const body = opts.body;
    if (body === void 0) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.once("error", (e) => req.destroy(e));
      body.pipe(req);
    }
  });
}
function discard(body) {
  return new Promise((resolve) => {
    if (Number(body.headers["content-length"] ?? 0) > 64 * 1024) {
      body.destroy();
      resolve();
      return;
    }
    body.once("end", resolve);
    body.once("close", resolve);
    body.once("error", () => resolve());
    body.resume();
  });
}
async function readBounded(body, max, what) {
  const parts = [];
  let n = 0;
  for await (const c of body) {
    n += c.length;
    if (n > max) {
      body.destroy();
      throw new RuntimeError("ResourceExhausted", `${what} is larger than ${max} bytes`);
    }
    parts.push(c);
  }
  return Buffer.concat(parts);
}
function errorText(bytes) {
  try {
    const j = JSON.parse(bytes.toString("utf8"));
    const e = j.errors?.[0];
    if (e) return [e.code, e.message].filter((x) => x).join(": ");
  } catch {
  }
  return bytes.toString("utf8").slice(0, 200).trim();
}
function isTransientError(e) {
  const code = errnoCode(e) ?? "";
  if (e?.name === "AbortError" || code === "UND_ERR_ABORTED" || code === "ABORT_ERR") return false;
  if (code.startsWith("UND_ERR_")) return code !== "UND_ERR_INVALID_ARG" && code !== "UND_ERR_NOT_SUPPORTED";
  if ([
    "ECONNRESET",
    "ECONNREFUSED",
    "EPIPE",
    "ETIMEDOUT",
    "EAI_AGAIN",
    "ECONNABORTED",
    "EHOSTUNREACH",
    "ERR_STREAM_PREMATURE_CLOSE"
  ].includes(code)) {
    return true;
  }
  const msg = e instanceof Error ? e.message : "";
  if (/terminated|other side closed|socket hang up/i.test(msg)) return true;
  const cause = e instanceof Error ? e.cause : void 0;
  return cause !== void 0 && cause !== e && isTransientError(cause);
}
function describeNetworkError(e) {
  const code = errnoCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : "";
  return code && !msg.includes(code) ? `${code}: ${msg}${cause}` : `${msg}${cause}`;
}

export {
  httpRequest,
  discard,
  readBounded,
  errorText,
  isTransientError,
  describeNetworkError
};
