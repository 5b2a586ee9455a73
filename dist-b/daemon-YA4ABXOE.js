import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import "./chunk-HAEYJPPN.js";
import {
  removeImageContent
} from "./chunk-QATSEMPG.js";
import {
  LogFollower,
  PodStartError,
  addObject,
  admitPod,
  cleanupStale,
  derivePodStatus,
  emptyObjectSet,
  exitOfTerminated,
  initialPodStatus,
  killedExit,
  markWaiting,
  openTask,
  podDir,
  prepareImage,
  readLogLines,
  readTaskExit,
  removeContainer,
  removeStalePodVolumes,
  runPod,
  terminatedState,
  vanishedExit
} from "./chunk-K63ONIVN.js";
import {
  DEFAULT_TIMING
} from "./chunk-QL4N77DE.js";
import "./chunk-QSRDS6KI.js";
import "./chunk-4WSVR33Z.js";
import "./chunk-XBL2BMSI.js";
import {
  execTargetOf,
  openStateDb,
  parseContainerId,
  readExit,
  shimAlive,
  stateDbPath
} from "./chunk-ETMGP5UT.js";
import {
  containerDir,
  hostRuntimeDeps,
  logPath,
  taskDir
} from "./chunk-A75RLU2C.js";
import "./chunk-6VMJICQW.js";
import "./chunk-IAHJQBAJ.js";
import {
  ImageStore,
  LocalContentStore,
  prepareStateRoot,
  tryFileLock
} from "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import "./chunk-B5CNCMXO.js";
import {
  MANIFEST_LIMITS,
  parseManifestText
} from "./chunk-GXFOKUN3.js";
import "./chunk-TUMEQKHW.js";
import {
  decodeConfigMap,
  decodeSecret,
  decodeWorkload,
  errorBody,
  findObjects,
  formatPath,
  isWorkloadKind
} from "./chunk-V2FUKUIU.js";
import "./chunk-EZCFANLO.js";
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  templatePodName
} from "./chunk-HJSDXBBU.js";
import "./chunk-EF4ULP4B.js";
import "./chunk-EWJ2BNDP.js";
import {
  sleepUnlessAborted
} from "./chunk-EY5AGAN5.js";
import "./chunk-H6JRZREJ.js";
import "./chunk-4PE76O5T.js";
import {
  RuntimeError,
  describeError,
  errnoCode,
  isRuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/daemon/daemon.ts
import { readFileSync } from "node:fs";
import { statfs } from "node:fs/promises";

// src/daemon/api-server.ts
import { createServer } from "node:http";

// src/daemon/api/errors.ts
function statusFor(code) {
  switch (code) {
    case "InvalidArgument":
      return 400;
    case "NotFound":
      return 404;
    case "AlreadyExists":
    case "FailedPrecondition":
      return 409;
    case "PermissionDenied":
      return 403;
    case "Unavailable":
      return 503;
    case "ResourceExhausted":
      return 507;
    case "NotImplemented":
      return 501;
    case "DeadlineExceeded":
      return 504;
    case "Canceled":
      return 499;
    case "DataLoss":
    case "Internal":
      return 500;
  }
}
var HttpError = class extends Error {
  constructor(status, apiError, headers = {}) {
    super(apiError.message);
    this.status = status;
    this.apiError = apiError;
    this.headers = headers;
  }
  status;
  apiError;
  headers;
};
function toApiError(e) {
  if (e instanceof HttpError) return { status: e.status, body: e.apiError, internal: false };
  if (isRuntimeError(e)) {
    const body = { code: e.code, message: e.message };
    if (e.hint) body.hint = e.hint;
    if (e.details && e.details.length > 0) body.details = e.details.map((d) => ({ ...d }));
    return { status: statusFor(e.code), body, internal: e.code === "Internal" };
  }
  return {
    status: 500,
    body: {
      code: "Internal",
      message: "internal error in the hostpod daemon",
      hint: "the daemon's log (stderr, or journalctl -u hostpod) has the details; this is a bug worth reporting"
    },
    internal: true
  };
}
function sendError(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify({ error: body });
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store"
  });
  res.end(text);
}

// src/daemon/api/request.ts
var DEFAULT_LIMITS = { maxBodyBytes: 8 * 1024 * 1024, bodyTimeoutMs: 3e4 };
function hasBody(req) {
  const len = req.headers["content-length"];
  return len !== void 0 && len !== "0" || req.headers["transfer-encoding"] !== void 0;
}
async function readJsonBody(req, limits) {
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new HttpError(415, {
      code: "InvalidArgument",
      message: `the request body must be application/json, not ${type === "" ? "untyped" : `"${type}"`}`,
      hint: "send the header Content-Type: application/json"
    });
  }
  const declared = req.headers["content-length"];
  if (declared !== void 0 && Number(declared) > limits.maxBodyBytes) throw tooLarge(limits);
  const chunks = [];
  let size = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(
        new HttpError(
          408,
          {
            code: "DeadlineExceeded",
            message: `the request body did not arrive within ${limits.bodyTimeoutMs} ms`
          },
          { Connection: "close" }
        )
      );
    }, limits.bodyTimeoutMs);
    const onData = (c) => {
      size += c.length;
      if (size > limits.maxBodyBytes) {
        done();
        reject(tooLarge(limits));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      done();
      resolve();
    };
    const onError = (e) => {
      done();
      reject(e);
    };
    const onClose = () => {
      done();
      reject(new RuntimeError("Canceled", "the client closed the connection before sending its whole body"));
    };
    const done = () => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
  const body = Buffer.concat(chunks);
  if (nestingDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new RuntimeError(
      "InvalidArgument",
      `the request body is nested deeper than ${MAX_JSON_DEPTH} levels`
    );
  }
  let value;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new RuntimeError("InvalidArgument", `the request body is not valid JSON: ${e.message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RuntimeError("InvalidArgument", "the request body must be a JSON object");
  }
  return value;
}
var MAX_JSON_DEPTH = 256;
function nestingDepth(text, max) {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}
function tooLarge(limits) {
  return new HttpError(
    413,
    {
      code: "InvalidArgument",
      message: `the request body is larger than ${limits.maxBodyBytes} bytes`,
      hint: "apply fewer objects at a time"
    },
    { Connection: "close" }
  );
}
function rejectUnknown(obj, allowed, what) {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new RuntimeError(
      "InvalidArgument",
      `unknown ${unknown.length === 1 ? "field" : "fields"} in the ${what}: ${unknown.map((k) => JSON.stringify(k)).join(", ")}`,
      { hint: `the ${what} takes: ${allowed.join(", ") || "nothing"} (docs/api.md)` }
    );
  }
}
var Query = class {
  values = /* @__PURE__ */ new Map();
  constructor(search, allowed) {
    const params = new URLSearchParams(search);
    const unknown = /* @__PURE__ */ new Set();
    for (const [k, v] of params) {
      if (!allowed.includes(k)) unknown.add(k);
      else if (this.values.has(k))
        throw new RuntimeError("InvalidArgument", `query parameter "${k}" is given twice`);
      else this.values.set(k, v);
    }
    if (unknown.size > 0) {
      throw new RuntimeError(
        "InvalidArgument",
        `unknown query ${unknown.size === 1 ? "parameter" : "parameters"}: ${[...unknown].map((k) => JSON.stringify(k.slice(0, 100))).join(", ")}`,
        { hint: `this route takes: ${allowed.join(", ") || "no parameter"} (docs/api.md)` }
      );
    }
  }
  string(name) {
    return this.values.get(name);
  }
  /** `1`/`true` or `0`/`false`; absent → undefined. */
  bool(name) {
    const v = this.values.get(name);
    if (v === void 0) return void 0;
    if (v === "1" || v === "true") return true;
    if (v === "0" || v === "false") return false;
    throw new RuntimeError("InvalidArgument", `query parameter "${name}" must be 1, 0, true or false`);
  }
  /** A non-negative integer up to `max`. */
  int(name, max = Number.MAX_SAFE_INTEGER) {
    const v = this.values.get(name);
    if (v === void 0) return void 0;
    const n = /^\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n > max) {
      throw new RuntimeError(
        "InvalidArgument",
        `query parameter "${name}" must be an integer from 0 to ${max}`
      );
    }
    return n;
  }
  namespace(name = "namespace") {
    const v = this.values.get(name);
    return v === void 0 ? void 0 : checkName(v, "namespace");
  }
  podName(name) {
    const v = this.values.get(name);
    return v === void 0 ? void 0 : checkName(v, "pod");
  }
  containerName(name) {
    const v = this.values.get(name);
    return v === void 0 ? void 0 : checkName(v, "container");
  }
};
function checkName(value, what) {
  const errs = what === "pod" ? dns1123SubdomainErrors(value) : dns1123LabelErrors(value);
  if (errs.length > 0) {
    const shown = value.length > 64 ? `${JSON.stringify(value.slice(0, 64))}\u2026` : JSON.stringify(value);
    throw new RuntimeError("InvalidArgument", `invalid ${what} name ${shown}: ${errs.join("; ")}`);
  }
  return value;
}
function pathSegments(rawPath) {
  const parts = rawPath.split("/").slice(1);
  return parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw new RuntimeError(
        "InvalidArgument",
        `the path segment ${JSON.stringify(p.slice(0, 64))} is not valid percent-encoding`
      );
    }
  });
}

// src/daemon/api/streams.ts
var StreamSet = class {
  ends = /* @__PURE__ */ new Set();
  /** Registers a stream's end function; returns the unregister. */
  add(end) {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }
  get size() {
    return this.ends.size;
  }
  endAll() {
    for (const end of [...this.ends]) end();
    this.ends.clear();
  }
};
var SHUTDOWN = {
  code: "Unavailable",
  message: "the hostpod daemon is shutting down",
  hint: "run the command again once the daemon is back"
};
function startNdjson(res, options, onEnd) {
  let ended = false;
  const finish = (error) => {
    if (ended) return;
    ended = true;
    unregister();
    onEnd();
    if (!res.destroyed && !res.writableEnded) {
      if (error) res.write(`${JSON.stringify({ error })}
`);
      res.end();
    }
  };
  const unregister = options.streams.add(() => finish(SHUTDOWN));
  res.on("close", () => finish());
  res.writeHead(200, {
    "Content-Type": "application/x-ndjson",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff"
  });
  res.flushHeaders();
  return {
    get ended() {
      return ended;
    },
    end() {
      finish();
    },
    send(value) {
      if (ended) return;
      let line;
      try {
        line = `${JSON.stringify(value)}
`;
      } catch (e) {
        options.onInternalError(e);
        finish(toApiError(e).body);
        return;
      }
      res.write(line);
      if (res.writableLength > options.maxBufferedBytes) {
        finish({
          code: "ResourceExhausted",
          message: "the watch was ended: the client does not read fast enough"
        });
        res.destroy();
      }
    },
    fail(e) {
      const { body, internal } = toApiError(e);
      if (internal) options.onInternalError(e);
      finish(body);
    }
  };
}
async function streamNdjson(res, options, open2) {
  const ac = new AbortController();
  const it = open2(ac.signal)[Symbol.asyncIterator]();
  let first = it.next();
  const early = await Promise.race([
    first.then(
      () => void 0,
      (e) => ({ e })
    ),
    new Promise((r) => setImmediate(() => r(void 0)))
  ]);
  if (early) {
    ac.abort();
    throw early.e;
  }
  const w = startNdjson(res, options, () => {
    ac.abort();
    void it.return?.();
  });
  try {
    for (; ; ) {
      const r = await (first ?? it.next());
      first = void 0;
      if (r.done || w.ended) break;
      w.send(r.value);
    }
    w.end();
  } catch (e) {
    w.fail(e);
  }
}
function asciiJson(value) {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
  );
}
async function streamText(res, options, open2) {
  const ac = new AbortController();
  let shutdown = false;
  const unregister = options.streams.add(() => {
    shutdown = true;
    ac.abort();
  });
  const onClose = () => ac.abort();
  res.on("close", onClose);
  const start = () => {
    if (res.headersSent) return;
    res.writeHead(200, {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      Trailer: "Hostpod-Error"
    });
  };
  const write = async (chunk) => {
    if (ac.signal.aborted || res.destroyed) throw new RuntimeError("Canceled", "the log stream was closed");
    start();
    if (res.write(chunk)) return;
    await new Promise((resolve) => {
      const done = () => {
        res.off("drain", done).off("close", done);
        resolve();
      };
      res.on("drain", done).on("close", done);
    });
  };
  try {
    for await (const chunk of open2(ac.signal)) await write(chunk);
    if (shutdown) throw new RuntimeError("Unavailable", SHUTDOWN.message, { hint: SHUTDOWN.hint ?? "" });
    start();
    res.end();
  } catch (e) {
    const error = shutdown ? new RuntimeError("Unavailable", SHUTDOWN.message, { hint: SHUTDOWN.hint ?? "" }) : e;
    if (!res.headersSent) throw error;
    if (ac.signal.aborted && !shutdown) {
      res.destroy();
      return;
    }
    const { body, internal } = toApiError(error);
    if (internal) options.onInternalError(error);
    if (!res.destroyed) {
      res.addTrailers({ "Hostpod-Error": asciiJson(body) });
      res.end();
    }
  } finally {
    unregister();
    res.off("close", onClose);
  }
}

// src/daemon/api/routes.ts
function sendJson(res, value, status = 200) {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store"
  });
  res.end(text);
}
var MAX_REFERENCE = 4096;
function imageReference(value, where) {
  if (typeof value !== "string" || value === "") {
    throw new RuntimeError("InvalidArgument", `${where} must be a non-empty string (an image reference)`);
  }
  if (value.length > MAX_REFERENCE || /[\u0000-\u0020\u007f]/.test(value)) {
    throw new RuntimeError("InvalidArgument", `${where} is not an image reference`);
  }
  return value;
}
var ns = (q) => {
  const n = q.namespace();
  return n === void 0 ? {} : { namespace: n };
};
var VERSION = {
  pattern: "/v1/version",
  methods: { GET: { params: [], run: async (c) => sendJson(c.res, await c.backend.version()) } }
};
var HEALTHZ = {
  pattern: "/v1/healthz",
  methods: {
    GET: {
      params: [],
      run: async (c) => {
        const h = await c.backend.health();
        sendJson(c.res, h, h.ok ? 200 : 503);
      }
    }
  }
};
var APPLY = {
  pattern: "/v1/apply",
  methods: {
    POST: {
      params: [],
      body: true,
      run: async (c) => {
        const body = await readJsonBody(c.req, c.limits);
        rejectUnknown(body, ["objects", "dryRun"], "apply request");
        if (!Array.isArray(body.objects))
          throw new RuntimeError("InvalidArgument", '"objects" must be a list of objects');
        if (body.dryRun !== void 0 && typeof body.dryRun !== "boolean")
          throw new RuntimeError("InvalidArgument", '"dryRun" must be true or false');
        const request = { objects: body.objects };
        if (body.dryRun !== void 0) request.dryRun = body.dryRun;
        sendJson(c.res, await c.backend.apply(request));
      }
    }
  }
};
var PODS = {
  pattern: "/v1/pods",
  methods: {
    GET: {
      params: ["namespace", "watch"],
      run: async (c) => {
        const filter = ns(c.query);
        if (!c.query.bool("watch")) {
          sendJson(c.res, { items: await c.backend.listPods(filter) });
          return;
        }
        await streamNdjson(c.res, c.stream, (signal) => c.backend.watchPods(filter, signal));
      }
    }
  }
};
var POD = {
  pattern: "/v1/namespaces/{namespace}/pods/{name}",
  methods: {
    GET: { params: [], run: async (c) => sendJson(c.res, await c.backend.getPod(c.namespace, c.name)) },
    DELETE: {
      params: ["gracePeriod", "force", "wait"],
      run: async (c) => {
        const options = {};
        const grace = c.query.int("gracePeriod", 365 * 24 * 3600);
        const force = c.query.bool("force");
        const wait = c.query.bool("wait");
        if (grace !== void 0) options.gracePeriodSeconds = grace;
        if (force !== void 0) options.force = force;
        if (wait !== void 0) options.wait = wait;
        sendJson(c.res, await c.backend.deletePod(c.namespace, c.name, options));
      }
    }
  }
};
var LOG_PARAMS = [
  "container",
  "previous",
  "follow",
  "tailLines",
  "sinceSeconds",
  "sinceTime",
  "timestamps"
];
function logQuery(q) {
  const query = {};
  const container = q.containerName("container");
  if (container !== void 0) query.container = container;
  for (const k of ["previous", "follow", "timestamps"]) {
    const v = q.bool(k);
    if (v !== void 0) query[k] = v;
  }
  const tail = q.int("tailLines");
  if (tail !== void 0) query.tailLines = tail;
  const since = q.int("sinceSeconds");
  if (since !== void 0) {
    if (since === 0)
      throw new RuntimeError("InvalidArgument", 'query parameter "sinceSeconds" must be at least 1');
    query.sinceSeconds = since;
  }
  const sinceTime = q.string("sinceTime");
  if (sinceTime !== void 0) {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(sinceTime) || Number.isNaN(Date.parse(sinceTime)))
      throw new RuntimeError(
        "InvalidArgument",
        `query parameter "sinceTime" must be an RFC 3339 time (2026-01-02T15:04:05Z)`
      );
    if (since !== void 0)
      throw new RuntimeError("InvalidArgument", 'give at most one of "sinceSeconds" and "sinceTime"');
    query.sinceTime = sinceTime;
  }
  return query;
}
var LOG = {
  pattern: "/v1/namespaces/{namespace}/pods/{name}/log",
  methods: {
    GET: {
      params: LOG_PARAMS,
      run: async (c) => {
        const query = logQuery(c.query);
        await streamText(c.res, c.stream, (signal) => c.backend.logs(c.namespace, c.name, query, signal));
      }
    }
  }
};
var EXEC = {
  pattern: "/v1/namespaces/{namespace}/pods/{name}/exec",
  methods: {
    GET: {
      params: ["container"],
      run: async (c) => sendJson(c.res, await c.backend.execTarget(c.namespace, c.name, c.query.containerName("container")))
    }
  }
};
var EVENTS = {
  pattern: "/v1/events",
  methods: {
    GET: {
      params: ["namespace", "pod", "after", "watch"],
      run: async (c) => {
        const filter = ns(c.query);
        const pod = c.query.podName("pod");
        if (pod !== void 0) filter.pod = pod;
        const after = c.query.int("after");
        if (after !== void 0) filter.after = after;
        if (!c.query.bool("watch")) {
          sendJson(c.res, { items: await c.backend.listEvents(filter) });
          return;
        }
        await streamNdjson(c.res, c.stream, (signal) => c.backend.watchEvents(filter, signal));
      }
    }
  }
};
var STATS = {
  pattern: "/v1/stats/pods",
  methods: {
    GET: {
      params: ["namespace"],
      run: async (c) => sendJson(c.res, { items: await c.backend.stats(ns(c.query)) })
    }
  }
};
var IMAGES = {
  pattern: "/v1/images",
  methods: {
    GET: { params: [], run: async (c) => sendJson(c.res, { items: await c.backend.listImages() }) },
    DELETE: {
      params: ["reference"],
      run: async (c) => {
        const ref = imageReference(c.query.string("reference"), 'query parameter "reference"');
        sendJson(c.res, await c.backend.removeImage(ref));
      }
    }
  }
};
var PULL = {
  pattern: "/v1/images/pull",
  methods: {
    POST: {
      params: [],
      body: true,
      run: async (c) => {
        const body = await readJsonBody(c.req, c.limits);
        rejectUnknown(body, ["reference", "platform"], "pull request");
        const ref = imageReference(body.reference, '"reference"');
        if (body.platform !== void 0 && (typeof body.platform !== "string" || !/^[a-z0-9_.-]+(\/[a-z0-9_.-]+){1,2}$/i.test(body.platform)))
          throw new RuntimeError("InvalidArgument", '"platform" must be os/arch or os/arch/variant');
        sendJson(c.res, await c.backend.pullImage(ref, body.platform));
      }
    }
  }
};
function matchRoute(rawPath) {
  const s = pathSegments(rawPath);
  const notFound = () => new HttpError(404, {
    code: "NotFound",
    message: `no API route ${JSON.stringify(rawPath.slice(0, 200))}`,
    hint: "the routes are listed in docs/api.md; every path starts with /v1/"
  });
  if (s[0] !== "v1") throw notFound();
  const simple = {
    version: VERSION,
    healthz: HEALTHZ,
    apply: APPLY,
    pods: PODS,
    events: EVENTS,
    images: IMAGES,
    "images/pull": PULL,
    "stats/pods": STATS
  };
  const rest = s.slice(1).join("/");
  if (s[1] !== "namespaces") {
    const r = Object.hasOwn(simple, rest) ? simple[rest] : void 0;
    if (!r || s.slice(1).some((x) => x.includes("/"))) throw notFound();
    return { route: r, namespace: "", name: "" };
  }
  if (s.length < 5 || s[3] !== "pods") throw notFound();
  const namespace = checkName(s[2], "namespace");
  const name = checkName(s[4], "pod");
  if (s.length === 5) return { route: POD, namespace, name };
  if (s.length === 6 && s[5] === "log") return { route: LOG, namespace, name };
  if (s.length === 6 && s[5] === "exec") return { route: EXEC, namespace, name };
  throw notFound();
}

// src/daemon/api/socket.ts
import { chmod, chown, lstat, mkdir, mkdtemp, rename, rmdir, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { basename, dirname, join } from "node:path";
function socketAnswers(path, timeoutMs = 1e3) {
  return new Promise((resolve) => {
    const s = connect({ path });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(true);
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      s.destroy();
      resolve(true);
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      resolve(errnoCode(e) !== "ECONNREFUSED" && errnoCode(e) !== "ENOENT");
    });
  });
}
async function clearSocketPath(path) {
  await mkdir(dirname(path), { recursive: true, mode: 493 });
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return;
    throw new RuntimeError("Internal", `Cannot check the API socket ${path}: ${e.message}`, {
      cause: e
    });
  }
  if (!st.isSocket()) {
    throw new RuntimeError(
      "AlreadyExists",
      `Cannot serve the API at ${path}: a file that is not a socket is there`,
      {
        hint: "remove it, or give another --socket path"
      }
    );
  }
  if (await socketAnswers(path)) {
    throw new RuntimeError(
      "AlreadyExists",
      `Cannot serve the API at ${path}: another hostpod daemon is serving on it`,
      {
        hint: "stop the other daemon first (systemctl stop hostpod), or give another --socket path"
      }
    );
  }
  await unlink(path).catch((e) => {
    if (errnoCode(e) !== "ENOENT") throw e;
  });
}
async function listenOnSocket(server, path, group) {
  const dir = dirname(path);
  const tmpDir = await mkdtemp(join(dir, `.${basename(path)}-`));
  try {
    await chmod(tmpDir, 448);
    const tmp = join(tmpDir, "s");
    await new Promise((resolve, reject) => {
      const onError = (e) => reject(e);
      server.once("error", onError);
      server.listen({ path: tmp }, () => {
        server.off("error", onError);
        resolve();
      });
    });
    if (group !== void 0) {
      await chown(tmp, -1, group);
      await chmod(tmp, 432);
    } else {
      await chmod(tmp, 384);
    }
    await rename(tmp, path);
    return (await lstat(path)).ino;
  } finally {
    await rmdir(tmpDir).catch(() => {
    });
  }
}
async function removeSocket(path, ino) {
  try {
    if ((await lstat(path)).ino === ino) await unlink(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
}

// src/daemon/api-server.ts
var DEFAULT_API_LIMITS = {
  ...DEFAULT_LIMITS,
  headersTimeoutMs: 1e4,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxConnections: 1024
};
var NO_LOGGER = { warn() {
}, error() {
} };
async function startApiServer(options) {
  const limits = { ...DEFAULT_API_LIMITS, ...options.limits };
  const logger = options.logger ?? NO_LOGGER;
  const streams = new StreamSet();
  const onInternalError = (e) => logger.error("API request failed with an internal error", {
    error: e instanceof Error ? e.stack ?? e.message : String(e)
  });
  const handle2 = async (req, res, matched) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const { route, namespace, name } = matchRoute(rawPath);
    matched(route.pattern);
    const method = req.method ?? "GET";
    const handler = Object.hasOwn(route.methods, method) ? route.methods[method] : void 0;
    if (!handler) {
      const allow = Object.keys(route.methods).join(", ");
      throw new HttpError(
        405,
        {
          code: "InvalidArgument",
          message: `${route.pattern} does not take ${method.slice(0, 20)} (it takes ${allow})`
        },
        { Allow: allow }
      );
    }
    const query = new Query(q < 0 ? "" : url.slice(q + 1), handler.params);
    if (!handler.body && hasBody(req)) {
      throw new HttpError(
        400,
        { code: "InvalidArgument", message: `${method} ${route.pattern} takes no request body` },
        { Connection: "close" }
      );
    }
    const c = {
      req,
      res,
      backend: options.backend,
      query,
      namespace,
      name,
      limits,
      stream: { streams, maxBufferedBytes: limits.maxBufferedBytes, onInternalError }
    };
    await handler.run(c);
  };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs,
      connectionsCheckingInterval: Math.min(1e3, limits.headersTimeoutMs),
      keepAliveTimeout: 5e3,
      maxHeaderSize: 16 * 1024
    },
    (req, res) => {
      const t0 = process.hrtime.bigint();
      let pattern = "unmatched";
      res.on("close", () => {
        options.onRequest?.(
          req.method ?? "",
          pattern,
          res.statusCode,
          Number(process.hrtime.bigint() - t0) / 1e9
        );
      });
      handle2(req, res, (p) => {
        pattern = p;
      }).catch((e) => {
        const { status, body, internal } = toApiError(e);
        if (internal) onInternalError(e);
        else if (status >= 500) logger.warn("API request failed", { code: body.code, message: body.message });
        const headers = e instanceof HttpError ? e.headers : {};
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendError(res, status, body, headers);
        if (headers.Connection === "close") {
          res.on("finish", () => {
            req.socket.end();
            setTimeout(() => req.socket.destroy(), 1e3).unref();
          });
          req.resume();
        }
      });
    }
  );
  server.maxConnections = limits.maxConnections;
  server.on("clientError", (e, socket) => {
    if (!socket.writable || socket.writableEnded) {
      socket.destroy();
      return;
    }
    const [status, text] = e.code === "HPE_HEADER_OVERFLOW" ? [431, "Request Header Fields Too Large"] : e.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "Request Timeout"] : [400, "Bad Request"];
    const body = JSON.stringify({
      error: {
        code: status === 408 ? "DeadlineExceeded" : "InvalidArgument",
        message: `malformed HTTP request (${e.code ?? "parse error"})`
      }
    });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r
Connection: close\r
Content-Type: application/json\r
Content-Length: ${Buffer.byteLength(body)}\r
\r
${body}`
    );
    setTimeout(() => socket.destroy(), 1e3).unref();
  });
  await clearSocketPath(options.socketPath);
  const ino = await listenOnSocket(server, options.socketPath, options.group);
  let closing;
  return {
    close() {
      closing ??= (async () => {
        const closed = new Promise((resolve) => server.close(() => resolve()));
        streams.endAll();
        server.closeIdleConnections();
        const idle = setInterval(() => server.closeIdleConnections(), 20);
        const force = setTimeout(() => server.closeAllConnections(), 2e3);
        await closed;
        clearInterval(idle);
        clearTimeout(force);
        await removeSocket(options.socketPath, ino);
      })();
      return closing;
    }
  };
}

// src/daemon/log.ts
import pino from "pino";
function createDaemonLogger(options = {}) {
  const destination = options.stream ?? pino.destination({ fd: 2, sync: true });
  return pino({ level: options.level ?? "info", timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

// src/daemon/metrics.ts
import { createServer as createServer2 } from "node:http";
import { isIP } from "node:net";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
var CONTAINER_TYPES = [
  "init_container",
  "container",
  "ephemeral_container"
];
var POD_PHASES = ["Pending", "Running", "Succeeded", "Failed"];
var CONTAINER_LABELS = ["namespace", "pod", "container"];
var DaemonMetrics = class {
  registry = new Registry();
  #options;
  #rendering = Promise.resolve();
  #started = new Counter({
    name: "started_host_process_containers_total",
    help: "Cumulative number of hostprocess containers started.",
    labelNames: ["container_type"],
    registers: [this.registry]
  });
  #startErrors = new Counter({
    name: "started_host_process_containers_errors_total",
    help: "Cumulative number of errors when starting hostprocess containers.",
    labelNames: ["container_type", "code"],
    registers: [this.registry]
  });
  #cpu = new Counter({
    name: "container_cpu_usage_seconds_total",
    help: "Cumulative cpu time consumed by the container in core-seconds",
    labelNames: CONTAINER_LABELS,
    registers: [this.registry]
  });
  #workingSet = new Gauge({
    name: "container_memory_working_set_bytes",
    help: "Current working set of the container in bytes",
    labelNames: CONTAINER_LABELS,
    registers: [this.registry]
  });
  #logBytes = new Gauge({
    name: "hostpod_container_log_bytes",
    help: "Bytes in the container's CRI log files, all rotations included.",
    labelNames: CONTAINER_LABELS,
    registers: [this.registry]
  });
  #pods = new Gauge({
    name: "hostpod_pods",
    help: "Number of pods known to the daemon, by phase.",
    labelNames: ["phase"],
    registers: [this.registry]
  });
  #imagePull = new Histogram({
    name: "hostpod_image_pull_duration_seconds",
    help: "Duration of image pulls (resolve, download and unpack), by outcome.",
    labelNames: ["outcome"],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry]
  });
  #apiRequest = new Histogram({
    name: "hostpod_api_request_duration_seconds",
    help: "Duration of local API requests, by method, route pattern and HTTP status code.",
    labelNames: ["method", "route", "code"],
    buckets: [1e-3, 25e-4, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry]
  });
  #diskFull = new Gauge({
    name: "hostpod_disk_full",
    help: "1 while writes under this path fail for lack of space, else 0.",
    labelNames: ["path"],
    registers: [this.registry]
  });
  #stateWriteFailures = new Counter({
    name: "hostpod_state_write_failures_total",
    help: "Cumulative number of state database writes that failed (disk full, I/O error).",
    registers: [this.registry]
  });
  #logWriteFailures = new Counter({
    name: "hostpod_log_write_failures_total",
    help: "Cumulative number of container log writes that failed (disk full, I/O error).",
    registers: [this.registry]
  });
  #logBytesDropped = new Counter({
    name: "hostpod_log_bytes_dropped_total",
    help: "Cumulative bytes of container output that could not be written to a log.",
    registers: [this.registry]
  });
  #collectorErrors = new Counter({
    name: "hostpod_metrics_collector_errors_total",
    help: "Cumulative number of scrapes in which a collector failed or timed out, by collector.",
    labelNames: ["collector"],
    registers: [this.registry]
  });
  constructor(options = {}) {
    this.#options = options;
    collectDefaultMetrics({ register: this.registry });
    for (const t of CONTAINER_TYPES) this.#started.inc({ container_type: t }, 0);
    for (const c of ["containers", "pods"]) this.#collectorErrors.inc({ collector: c }, 0);
    this.#stateWriteFailures.inc(0);
    this.#logWriteFailures.inc(0);
    this.#logBytesDropped.inc(0);
  }
  /** A container's task was started (`started_host_process_containers_total`). */
  containerStarted(type) {
    this.#started.inc({ container_type: type });
  }
  /** A container failed to start; `code` is the `RuntimeError` code (`PermissionDenied`, …). */
  containerStartFailed(type, code) {
    this.#startErrors.inc({ container_type: type, code });
  }
  observeImagePull(seconds, outcome) {
    this.#imagePull.observe({ outcome }, seconds);
  }
  /** `route` is the pattern (`/v1/namespaces/:ns/pods/:name`), never the raw path: it bounds the series. */
  observeApiRequest(method, route, status, seconds) {
    this.#apiRequest.observe({ method, route, code: String(status) }, seconds);
  }
  setDiskFull(path, full) {
    this.#diskFull.set({ path }, full ? 1 : 0);
  }
  stateWriteFailed() {
    this.#stateWriteFailures.inc();
  }
  logWriteFailed() {
    this.#logWriteFailures.inc();
  }
  logBytesDropped(bytes) {
    if (bytes > 0) this.#logBytesDropped.inc(bytes);
  }
  /** The Prometheus text exposition of every metric. Never throws for a failing collector. */
  render() {
    const next = this.#rendering.then(
      () => this.#render(),
      () => this.#render()
    );
    this.#rendering = next;
    return next;
  }
  async #render() {
    const timeout = this.#options.collectTimeoutMs ?? 5e3;
    const collectContainers = this.#options.collectContainers;
    const podPhases = this.#options.podPhases;
    const [containers, phases] = await Promise.all([
      collectContainers ? this.#guard("containers", timeout, collectContainers) : void 0,
      podPhases ? this.#guard("pods", timeout, async () => podPhases()) : void 0
    ]);
    this.#cpu.reset();
    this.#workingSet.reset();
    this.#logBytes.reset();
    for (const c of containers ?? []) {
      const labels = { namespace: c.namespace, pod: c.pod, container: c.container };
      this.#cpu.inc(labels, Math.max(0, c.cpuUsageNs) / 1e9);
      this.#workingSet.set(labels, c.memoryWorkingSetBytes);
      this.#logBytes.set(labels, c.logBytes);
    }
    this.#pods.reset();
    if (phases) for (const p of POD_PHASES) this.#pods.set({ phase: p }, phases[p] ?? 0);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
  async #guard(collector, timeoutMs, fn) {
    let timer;
    try {
      return await Promise.race([
        fn(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        })
      ]);
    } catch {
      this.#collectorErrors.inc({ collector });
      return void 0;
    } finally {
      clearTimeout(timer);
    }
  }
};
function parseListenAddress(address) {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  const hint = "Write an IP address and a port: 127.0.0.1:9470, [::1]:9470 or 0.0.0.0:9470.";
  if (!m || host === void 0 || !Number.isInteger(port) || port > 65535) {
    throw new RuntimeError("InvalidArgument", `Cannot serve metrics on "${address}": not HOST:PORT`, {
      hint
    });
  }
  const family = isIP(host);
  if (family === 0 || family === 6 && m[1] === void 0 || family === 4 && m[1] !== void 0) {
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot serve metrics on "${address}": "${host}" is not an IP address${family === 6 ? " in brackets" : ""}`,
      { hint }
    );
  }
  return { host, port };
}
async function serveMetrics(metrics, address) {
  const { host, port } = parseListenAddress(address);
  const server = createServer2((req, res) => {
    handle(metrics, req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`cannot render metrics: ${describeError(err)}
`);
    });
  });
  server.requestTimeout = 3e4;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, ipv6Only: host.includes(":") }, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((err) => {
    throw listenError(address, err);
  });
  const bound = server.address();
  const boundHost = typeof bound === "object" && bound ? bound.address : host;
  const boundPort = typeof bound === "object" && bound ? bound.port : port;
  return {
    address: boundHost,
    port: boundPort,
    listen: boundHost.includes(":") ? `[${boundHost}]:${boundPort}` : `${boundHost}:${boundPort}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })
  };
}
async function handle(metrics, req, res) {
  const path = (req.url ?? "").split("?")[0];
  if (path !== "/metrics") {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("404 not found: the metrics are at /metrics\n");
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
    res.end("405 method not allowed\n");
    return;
  }
  const { contentType, body } = await metrics.render();
  res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? void 0 : body);
}
function listenError(address, err) {
  const what = `Cannot serve metrics on "${address}"`;
  switch (errnoCode(err)) {
    case "EADDRINUSE":
      return new RuntimeError("Unavailable", `${what}: the port is in use`, {
        hint: "Stop what listens there, or set metricsAddress to another port.",
        cause: err
      });
    case "EADDRNOTAVAIL":
      return new RuntimeError("InvalidArgument", `${what}: no interface of this host has that address`, {
        hint: "Use 127.0.0.1, ::1, 0.0.0.0 or an address of this host.",
        cause: err
      });
    case "EACCES":
      return new RuntimeError("PermissionDenied", `${what}: permission denied`, {
        hint: "Ports below 1024 need root; use a higher port.",
        cause: err
      });
    default:
      return new RuntimeError("Internal", `${what}: ${describeError(err)}`, { cause: err });
  }
}

// src/daemon/node-agent.ts
import { readdir, rm as rm2 } from "node:fs/promises";
import { basename as basename2, join as join4 } from "node:path";

// src/services/stored-status.ts
var key = (type, name) => `${type}/${name}`;
function storedStatus(status) {
  const containers = {};
  const add = (type, c) => {
    containers[key(type, c.name)] = {
      attempt: c.restartCount,
      ready: c.ready,
      started: c.started,
      ..."waiting" in c.state ? { waiting: c.state.waiting } : {}
    };
  };
  for (const c of status.initContainerStatuses) add("init_container", c);
  for (const c of status.containerStatuses) add("container", c);
  return { phase: status.phase, conditions: status.conditions, startTime: status.startTime, containers };
}
function parseStoredStatus(v) {
  if (typeof v !== "object" || v === null) return void 0;
  const s = v;
  if (typeof s.phase !== "string" || !Array.isArray(s.conditions) || typeof s.containers !== "object")
    return void 0;
  return s;
}
function composeStatus(spec, stored, rows) {
  const status = initialPodStatus(spec, stored?.startTime);
  const fill = (type, c) => {
    const mine = rows.filter((r) => r.type === type && r.name === c.name).sort((a, b) => b.attempt - a.attempt);
    const latest = mine[0];
    const previous = latest ? mine.find((r) => r.attempt === latest.attempt - 1) : void 0;
    const kept = stored?.containers[key(type, c.name)];
    const current = kept !== void 0 && (latest === void 0 || kept.attempt === latest.attempt);
    if (!latest) {
      if (current && kept.waiting) c.state = { waiting: kept.waiting };
      return;
    }
    c.containerID = latest.id;
    c.restartCount = latest.attempt;
    const last = previous && "terminated" in previous.state ? previous.state : {};
    if (current && kept.waiting && "terminated" in latest.state) {
      c.state = { waiting: kept.waiting };
      c.lastState = latest.state;
    } else {
      c.state = latest.state;
      c.lastState = last;
    }
    const running = "running" in c.state;
    c.ready = running && current && kept.ready;
    c.started = running && current && kept.started;
  };
  for (const c of status.initContainerStatuses) fill("init_container", c);
  for (const c of status.containerStatuses) fill("container", c);
  if (stored) {
    status.phase = stored.phase;
    status.conditions = stored.conditions;
  } else derivePodStatus(status, spec, status.startTime);
  return status;
}

// src/daemon/apply.ts
function documentOf(value, index, file) {
  return { file, index, value, locate: () => ({ line: 0, col: 0 }) };
}
function decodeDesired(values, options) {
  const file = options.file ?? "<request>";
  const { objects, problems } = findObjects(values.map((v, i) => documentOf(v, i, file)));
  const details = [];
  for (const p of problems)
    details.push({
      path: formatPath(p.error.path),
      message: errorBody(p.error),
      object: `objects[${p.doc.index}]`
    });
  const out = { pods: [], objects: [], skipped: [], warnings: [] };
  for (const o of objects) {
    const label = `${o.kind}/${o.name ?? `objects[${o.doc.index}]`}`;
    if (o.kind === "ConfigMap" || o.kind === "Secret") {
      const r = o.kind === "ConfigMap" ? decodeConfigMap(o) : decodeSecret(o);
      for (const e of r.errors)
        details.push({ path: formatPath(e.path), message: errorBody(e), object: label });
      if (r.errors.length === 0)
        out.objects.push({
          kind: o.kind,
          namespace: r.value.metadata.namespace ?? "default",
          name: r.value.metadata.name ?? "",
          raw: o.raw,
          value: r.value
        });
      continue;
    }
    if (!isWorkloadKind(o.kind)) {
      out.skipped.push({ kind: o.kind, name: o.name ?? "", reason: "hostpod runs pods only" });
      continue;
    }
    const w = decodeWorkload(o);
    for (const f of w.unknownFields) out.warnings.push(`${label}: unknown field "${formatPath(f)}"`);
    for (const e of w.errors)
      details.push({ path: formatPath(e.path), message: errorBody(e), object: label });
    if (w.errors.length > 0) continue;
    const pod = w.pod;
    const name = o.kind === "Pod" ? pod.metadata.name ?? "" : templatePodName(pod.metadata.name ?? "", options.node);
    pod.metadata.name = name;
    const namespace = pod.metadata.namespace ?? "default";
    out.pods.push({ namespace, name, manifest: podManifest(o.kind, o.raw, name, namespace), pod });
  }
  const seen = /* @__PURE__ */ new Set();
  for (const p of out.pods) {
    const key2 = `${p.namespace}/${p.name}`;
    if (seen.has(key2))
      details.push({
        path: "metadata.name",
        message: `two pods are named "${key2}"`,
        object: `Pod/${p.name}`
      });
    seen.add(key2);
  }
  if (details.length > 0) {
    throw new RuntimeError(
      "InvalidArgument",
      `the objects have ${details.length} ${details.length === 1 ? "error" : "errors"}; nothing was applied`,
      { hint: "fix them (hostpod lint shows the same errors with file positions)", details }
    );
  }
  return out;
}
function podManifest(kind, raw, name, namespace) {
  if (kind === "Pod") {
    const { status: _status, ...rest } = raw;
    const meta2 = typeof rest.metadata === "object" && rest.metadata !== null ? rest.metadata : {};
    return { ...rest, metadata: { ...meta2, name, namespace } };
  }
  let template = raw.spec;
  if (kind === "CronJob") template = template?.jobTemplate;
  if (kind === "CronJob") template = template?.spec;
  template = template?.template;
  const t = template ?? {};
  const meta = typeof t.metadata === "object" && t.metadata !== null ? t.metadata : {};
  return { apiVersion: "v1", kind: "Pod", metadata: { ...meta, name, namespace }, spec: t.spec ?? {} };
}
function decodeStoredPod(manifest, where) {
  const { objects } = findObjects([documentOf(manifest, 0, where)]);
  const o = objects[0];
  if (o?.kind !== "Pod") throw new RuntimeError("DataLoss", `${where}: the stored manifest is not a Pod`);
  const w = decodeWorkload(o);
  if (w.errors.length > 0)
    throw new RuntimeError(
      "DataLoss",
      `${where}: the stored manifest no longer validates: ${w.errors.map((e) => `${formatPath(e.path)}: ${errorBody(e)}`).join("; ")}`
    );
  return w.pod;
}

// src/runtime/task/log-status.ts
import { readFile } from "node:fs/promises";
import { constants } from "node:os";
import { join as join2 } from "node:path";
var ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
var MAX_STATUS = 4096;
var INTEGER = /^(0|[1-9]\d{0,15})$/;
function parseLogStatus(text) {
  const fields = /* @__PURE__ */ new Map();
  for (const word of text.trim().split(/ +/)) {
    const eq = word.indexOf("=");
    if (eq <= 0) return void 0;
    fields.set(word.slice(0, eq), word.slice(eq + 1));
  }
  const failing = fields.get("failing");
  const bytes = fields.get("dropped_bytes");
  const records = fields.get("dropped_records");
  const errno = fields.get("errno") ?? "0";
  const since = fields.get("since") ?? "-";
  if (failing !== "0" && failing !== "1") return void 0;
  if (!bytes || !records || !INTEGER.test(bytes) || !INTEGER.test(records) || !INTEGER.test(errno))
    return void 0;
  if (since !== "-" && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(since)) return void 0;
  const status = {
    failing: failing === "1",
    droppedBytes: Number(bytes),
    droppedRecords: Number(records)
  };
  const code = Number(errno);
  if (code !== 0) status.error = ERRNO_NAMES.get(code) ?? `errno ${code}`;
  if (since !== "-") status.since = since;
  return status;
}
async function readLogStatus(taskDir2) {
  const path = join2(taskDir2, "log-status");
  for (let attempt = 0; ; attempt++) {
    let data;
    try {
      data = await readFile(path);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return void 0;
      throw new RuntimeError(
        "Internal",
        `Cannot read the log status in ${taskDir2}: ${errnoCode(err) ?? err}`,
        {
          cause: err
        }
      );
    }
    const text = data.subarray(0, MAX_STATUS).toString("latin1");
    if (text.trim() === "") return void 0;
    const status = data.length <= MAX_STATUS ? parseLogStatus(text) : void 0;
    if (status) return status;
    if (attempt === 2) {
      throw new RuntimeError(
        "DataLoss",
        `Cannot read the log status in ${taskDir2}: ${JSON.stringify(text.trim().slice(0, 80))} is not a status line`,
        { hint: "The file is written by hostpod-shim only; remove it if something else wrote there." }
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

// src/daemon/health-monitor.ts
var HealthMonitor = class {
  #writer;
  #groups;
  #metrics;
  #problems = /* @__PURE__ */ new Map();
  /** The last log status seen per running container. */
  #logStatus = /* @__PURE__ */ new Map();
  #cpuSamples = /* @__PURE__ */ new Map();
  #checking = false;
  constructor(writer, groups, metrics) {
    this.#writer = writer;
    this.#groups = groups;
    this.#metrics = metrics;
  }
  health() {
    const problems = [...this.#problems.values()];
    const state = this.#writer.problem;
    if (state) problems.unshift(state);
    return { ok: problems.length === 0, problems };
  }
  /** Records (or clears, with `undefined`) a condition an operator must see; a new one is a node event. */
  setProblem(key2, message) {
    if (message === void 0) {
      this.#problems.delete(key2);
      return;
    }
    if (this.#problems.get(key2) === message) return;
    this.#problems.set(key2, message);
    this.#writer.addEvent(void 0, "Warning", "NodeProblem", message);
  }
  /** CPU use since the last sample of container `id`, in millicores (none at the first sample). */
  cpuRate(id, ns2) {
    const now = Date.now();
    const prev = this.#cpuSamples.get(id);
    this.#cpuSamples.set(id, { ns: ns2, at: now });
    if (!prev || now - prev.at < 50) return {};
    return { cpuMillicores: Math.max(0, Math.round((ns2 - prev.ns) / 1e3 / (now - prev.at))) };
  }
  /** The periodic check. Never overlaps itself; never throws. */
  async check() {
    if (this.#checking) return;
    this.#checking = true;
    try {
      this.#writer.flush();
      await this.#checkContainers();
    } finally {
      this.#checking = false;
    }
  }
  async #checkContainers() {
    const db = this.#writer.db;
    const live = /* @__PURE__ */ new Set();
    for (const p of db.pods.list()) {
      for (const row of db.containers.listByPod(p.uid, { latest: true })) {
        if (!("running" in row.state) || !row.taskDir) continue;
        live.add(row.id);
        const usage = await this.#groups.open(row.groupId ?? row.id).stats().catch(() => void 0);
        if (usage) this.cpuRate(row.id, usage.cpuUsageNs);
        const now = await readLogStatus(row.taskDir).catch(() => void 0);
        if (!now) continue;
        const before = this.#logStatus.get(row.id);
        this.#logStatus.set(row.id, now);
        const dropped = now.droppedBytes - (before?.droppedBytes ?? 0);
        if (dropped > 0) this.#metrics?.logBytesDropped?.(dropped);
        if (now.failing && !before?.failing) {
          this.#metrics?.logWriteFailed?.();
          this.#problems.set(
            `log:${row.id}`,
            `pod ${p.namespace}/${p.name} container ${row.name}: log writes fail (${now.error ?? "error"})`
          );
          this.#writer.addEvent(
            p.uid,
            "Warning",
            "LogWriteFailed",
            `Container ${row.name}: its output cannot be written to its log (${now.error ?? "error"} since ${now.since ?? "?"}); it keeps running, the lost output is counted`
          );
        } else if (!now.failing && before?.failing) {
          this.#problems.delete(`log:${row.id}`);
          this.#writer.addEvent(
            p.uid,
            "Normal",
            "LogWriteResumed",
            `Container ${row.name}: its log is written again; ${now.droppedBytes} bytes (${now.droppedRecords} lines) of output were lost`
          );
        }
      }
    }
    for (const id of this.#cpuSamples.keys()) if (!live.has(id)) this.#cpuSamples.delete(id);
    for (const id of this.#logStatus.keys()) {
      if (!live.has(id)) {
        this.#logStatus.delete(id);
        this.#problems.delete(`log:${id}`);
      }
    }
  }
};

// src/lib/async-queue.ts
var AsyncQueue = class {
  #items = [];
  /** Producers waiting for their value to be taken (`pushAndWait`), in order. */
  #taken = [];
  #waiting;
  #failWaiting;
  #ended = false;
  #error;
  #onEnd;
  constructor(options = {}) {
    this.#onEnd = options.onEnd;
    const signal = options.signal;
    if (signal?.aborted) this.end();
    else signal?.addEventListener("abort", () => this.end(), { once: true });
  }
  /** True once ended: pushed values are then dropped. */
  get ended() {
    return this.#ended;
  }
  /** Adds a value for the consumer (dropped once the queue ended). */
  push(value) {
    if (this.#ended) return;
    if (this.#waiting) {
      const w = this.#waiting;
      this.#waiting = void 0;
      this.#failWaiting = void 0;
      w({ value, done: false });
      return;
    }
    this.#items.push(value);
  }
  /** Adds a value and resolves once the consumer took it (or the queue ended): back-pressure. */
  pushAndWait(value) {
    if (this.#ended) return Promise.resolve();
    const taken = new Promise((resolve) => this.#taken.push(resolve));
    if (this.#waiting) {
      this.push(value);
      this.#taken.shift()?.();
      return Promise.resolve();
    }
    this.#items.push(value);
    return taken;
  }
  /** Ends the queue: the consumer gets what was pushed, then the end (or `error`). */
  end(error) {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== void 0) this.#error = { e: error };
    for (const t of this.#taken.splice(0)) t();
    if (this.#waiting && this.#items.length === 0) {
      const w = this.#waiting;
      const f = this.#failWaiting;
      this.#waiting = void 0;
      this.#failWaiting = void 0;
      if (this.#error) f?.(this.#error.e);
      else w({ value: void 0, done: true });
    }
    this.#onEnd?.();
  }
  next() {
    if (this.#items.length > 0) {
      const value = this.#items.shift();
      this.#taken.shift()?.();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      if (this.#error) {
        const e = this.#error.e;
        this.#error = void 0;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: void 0, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }
  /** The consumer left its loop: the queue ends and the producer is told (`onEnd`). */
  return() {
    this.#items.length = 0;
    this.#error = void 0;
    this.end();
    return Promise.resolve({ value: void 0, done: true });
  }
  [Symbol.asyncIterator]() {
    return this;
  }
};
function produced(produce, signal) {
  return {
    [Symbol.asyncIterator]() {
      const stop = new AbortController();
      const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
      const q = new AsyncQueue({ signal: both, onEnd: () => stop.abort() });
      produce((v) => q.pushAndWait(v), both).then(
        () => q.end(),
        (e) => q.end(both.aborted ? void 0 : e)
      );
      return q;
    }
  };
}

// src/services/image-use.ts
function manifestImages(manifest) {
  const spec = manifest.spec;
  const out = [];
  for (const k of ["initContainers", "containers", "ephemeralContainers"]) {
    const list = spec?.[k];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const image = c?.image;
      if (typeof image === "string" && image !== "") out.push(image);
    }
  }
  return out;
}
async function assertImageUnused(images, reference, db) {
  const target = await images.get(reference);
  if (!target) return;
  const users = [];
  for (const p of db.pods.list())
    for (const image of manifestImages(p.manifest)) users.push({ pod: `${p.namespace}/${p.name}`, image });
  for (const c of db.containers.listUnfinished())
    users.push({ pod: `${c.pod.namespace}/${c.pod.name}`, image: c.image });
  const resolved = /* @__PURE__ */ new Map();
  for (const u of users) {
    if (!resolved.has(u.image))
      resolved.set(u.image, (await images.get(u.image).catch(() => void 0))?.digest);
    if (resolved.get(u.image) === target.digest)
      throw new RuntimeError(
        "FailedPrecondition",
        `Cannot remove image "${reference}": pod "${u.pod}" uses it`,
        {
          hint: "delete the pod first"
        }
      );
  }
}

// src/daemon/views.ts
import { stat } from "node:fs/promises";
function statusSpecOf(manifest) {
  const spec = manifest.spec ?? {};
  const list = (k) => (Array.isArray(spec[k]) ? spec[k] : []).flatMap((c) => {
    const o = c;
    if (typeof o?.name !== "string") return [];
    return [
      {
        name: o.name,
        ...typeof o.image === "string" ? { image: o.image } : {},
        ...typeof o.restartPolicy === "string" ? { restartPolicy: o.restartPolicy } : {}
      }
    ];
  });
  return {
    restartPolicy: typeof spec.restartPolicy === "string" ? spec.restartPolicy : "Always",
    initContainers: list("initContainers"),
    containers: list("containers")
  };
}
function viewOf(rec, rows) {
  const stored = parseStoredStatus(rec.status);
  const manifest = rec.manifest;
  const status = stored ? composeStatus(statusSpecOf(manifest), stored, rows) : void 0;
  return {
    uid: rec.uid,
    namespace: rec.namespace,
    name: rec.name,
    manifest,
    source: rec.source,
    createdAt: rec.createdAt,
    ...rec.deletedAt ? { deletedAt: rec.deletedAt } : {},
    generation: rec.generation,
    phase: rec.phase ?? "Pending",
    ...status ? { status } : {}
  };
}
function eventView(e, names) {
  const pod = e.podUid ? names.get(e.podUid) : void 0;
  return {
    id: e.id,
    ...pod ? { pod } : {},
    type: e.type,
    reason: e.reason,
    message: e.message,
    firstTime: e.firstTime,
    time: e.time,
    count: e.count
  };
}
function defaultContainer(rec, pod) {
  const names = pod?.spec.containers.map((c) => c.name) ?? [];
  if (names.length === 1) return names[0];
  throw new RuntimeError(
    "InvalidArgument",
    `a container name must be specified for pod ${rec.name}, choose one of: [${names.join(" ")}]`,
    { hint: "add -c NAME" }
  );
}
async function logBytes(path) {
  let total = 0;
  for (let k = 0; k < 100; k++) {
    try {
      total += (await stat(k === 0 ? path : `${path}.${k}`)).size;
    } catch {
      if (k > 0) break;
    }
  }
  return total;
}
function imageView(r) {
  const [os = "", architecture = ""] = r.platform.split("/");
  return {
    reference: r.name,
    manifestDigest: r.digest,
    configDigest: r.configDigest,
    size: r.size,
    os,
    architecture,
    ...r.created ? { createdAt: r.created } : {}
  };
}

// src/daemon/pod-logs.ts
var NL = Buffer.from("\n");
async function streamPodLogs(args) {
  const { query, write, signal } = args;
  const rec = args.pod;
  const name = rec.name;
  const pod = args.spec;
  const rows = args.runs;
  const container = query.container ?? defaultContainer(rec, pod);
  const mine = rows.filter((r) => r.name === container).sort((a, b) => a.attempt - b.attempt);
  if (mine.length === 0) {
    const known = pod ? [...pod.spec.initContainers ?? [], ...pod.spec.containers].map((c) => c.name) : [];
    if (!known.includes(container))
      throw new RuntimeError("NotFound", `container "${container}" is not valid for pod "${name}"`, {
        hint: `choose one of: ${known.join(", ")}`
      });
    throw new RuntimeError("NotFound", `container "${container}" in pod "${name}" has not started yet`);
  }
  let row = mine[mine.length - 1];
  if (query.previous) {
    const prev = mine[mine.length - 2];
    if (!prev)
      throw new RuntimeError(
        "NotFound",
        `previous terminated container "${container}" in pod "${name}" not found`
      );
    row = prev;
  }
  if (query.tailLines !== void 0 && (!Number.isSafeInteger(query.tailLines) || query.tailLines < 0))
    throw new RuntimeError("InvalidArgument", `Invalid tailLines ${query.tailLines}: expected 0 or more`);
  let since;
  if (query.sinceTime !== void 0) {
    since = new Date(query.sinceTime);
    if (Number.isNaN(since.getTime()))
      throw new RuntimeError(
        "InvalidArgument",
        `Invalid sinceTime "${query.sinceTime}": expected an RFC 3339 time`
      );
  } else if (query.sinceSeconds !== void 0) {
    if (!Number.isFinite(query.sinceSeconds) || query.sinceSeconds < 0)
      throw new RuntimeError("InvalidArgument", `Invalid sinceSeconds ${query.sinceSeconds}`);
    since = new Date(Date.now() - query.sinceSeconds * 1e3);
  }
  const path = logPath(args.root, row.id);
  const format = (l) => query.timestamps ? Buffer.concat([Buffer.from(`${l.time} `), l.text, NL]) : Buffer.concat([l.text, NL]);
  const following = query.follow === true && !query.previous && "running" in row.state;
  if (!following) {
    const shown = await readLogLines(path, {
      ...query.tailLines !== void 0 ? { tail: query.tailLines } : {},
      ...since ? { since } : {}
    });
    for (let i = 0; i < shown.length; i += 256)
      await write(Buffer.concat(shown.slice(i, i + 256).map(format)));
    return;
  }
  if (signal.aborted) return;
  const tail = query.tailLines;
  let backlog = [];
  let chain = Promise.resolve();
  const send = (chunk) => {
    chain = chain.then(() => write(chunk)).catch(() => {
    });
  };
  const follower = new LogFollower(
    path,
    (l) => {
      if (!backlog) return send(format(l));
      if (since && new Date(l.time) < since) return;
      if (tail === 0) return;
      backlog.push(format(l));
      if (tail !== void 0 && backlog.length > tail) backlog.shift();
    },
    {
      onCaughtUp: () => {
        const lines = backlog ?? [];
        backlog = void 0;
        for (let i = 0; i < lines.length; i += 256) send(Buffer.concat(lines.slice(i, i + 256)));
      }
    }
  ).start();
  const id = row.id;
  await new Promise((resolve) => {
    let asking = false;
    const check = async () => {
      if (asking) return;
      asking = true;
      try {
        if (!await args.stillRunning(id)) done();
      } catch {
        done();
      } finally {
        asking = false;
      }
    };
    const timer = setInterval(() => void check(), 200);
    const done = () => {
      clearInterval(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    void check();
  });
  await follower.stop();
  if (backlog) {
    const lines = backlog;
    backlog = void 0;
    for (let i = 0; i < lines.length; i += 256) send(Buffer.concat(lines.slice(i, i + 256)));
  }
  await chain;
}

// src/daemon/node-views.ts
var NodeViews = class {
  #x;
  #startedAt = (/* @__PURE__ */ new Date()).toISOString();
  constructor(x) {
    this.#x = x;
  }
  get #db() {
    return this.#x.writer.db;
  }
  version() {
    const { node } = this.#x.deps;
    return {
      version: this.#x.version,
      api: "v1",
      schema: this.#db.schemaVersion,
      pid: this.#x.pid,
      startedAt: this.#startedAt,
      node: { name: node.name, labels: { ...node.labels } }
    };
  }
  viewOf(rec) {
    return viewOf(rec, this.#db.containers.listByPod(rec.uid));
  }
  pods(filter) {
    return this.#db.pods.list(filter.namespace ? { namespace: filter.namespace } : {}).map((p) => this.viewOf(p));
  }
  pod(namespace, name) {
    return this.viewOf(this.mustFind(namespace, name));
  }
  /** The stored pod; `NotFound` in kubectl's words. */
  mustFind(namespace, name) {
    const rec = this.#db.pods.find(namespace, name);
    if (!rec)
      throw new RuntimeError("NotFound", `pods "${name}" not found in namespace "${namespace}"`, {
        hint: "list them with hostpod get pods -A"
      });
    return rec;
  }
  watchPods(filter, signal) {
    const seen = /* @__PURE__ */ new Set();
    const watcher = (uid, deleted) => {
      const gone = deleted;
      const rec = gone ? void 0 : this.#db.pods.get(uid);
      const view = gone ?? (rec ? this.viewOf(rec) : void 0);
      if (!view || filter.namespace && view.namespace !== filter.namespace) return;
      const type = gone ? "DELETED" : seen.has(uid) ? "MODIFIED" : "ADDED";
      if (gone) seen.delete(uid);
      else seen.add(uid);
      q.push({ type, object: view });
    };
    let off = () => {
    };
    const q = new AsyncQueue({
      ...signal ? { signal } : {},
      onEnd: () => off()
    });
    for (const p of this.pods(filter)) {
      seen.add(p.uid);
      q.push({ type: "ADDED", object: p });
    }
    if (!q.ended) off = this.#x.writer.watchPods(watcher);
    return q;
  }
  events(filter) {
    let podUid;
    if (filter.pod !== void 0) podUid = this.mustFind(filter.namespace ?? "default", filter.pod).uid;
    const names = this.#podNames();
    return this.#db.events.list({
      ...podUid ? { podUid } : {},
      ...filter.after !== void 0 ? { afterId: filter.after } : {}
    }).map((e) => eventView(e, names)).filter(
      (e) => !filter.namespace || filter.pod !== void 0 || !e.pod || e.pod.namespace === filter.namespace
    );
  }
  watchEvents(filter, signal) {
    let last = filter.after ?? 0;
    let podUid;
    let off = () => {
    };
    const q = new AsyncQueue({
      ...signal ? { signal } : {},
      onEnd: () => off()
    });
    try {
      if (filter.pod !== void 0) podUid = this.mustFind(filter.namespace ?? "default", filter.pod).uid;
      for (const e of this.events(filter)) {
        last = Math.max(last, e.id);
        q.push(e);
      }
    } catch (e) {
      q.end(e);
      return q;
    }
    if (!q.ended)
      off = this.#x.writer.watchEvents((e) => {
        if (podUid && e.podUid !== podUid || e.id <= last) return;
        const v = eventView(e, this.#podNames());
        if (filter.namespace && !podUid && v.pod && v.pod.namespace !== filter.namespace) return;
        last = e.id;
        q.push(v);
      });
    return q;
  }
  logs(namespace, name, query, signal) {
    return produced(async (write, stop) => {
      const rec = this.mustFind(namespace, name);
      const { root } = this.#x.deps;
      await streamPodLogs({
        root,
        pod: rec,
        spec: this.#decode(rec),
        runs: this.#db.containers.listByPod(rec.uid),
        // The record, and the task itself (its end may not be recorded yet when the disk is full).
        stillRunning: async (id) => {
          const now = this.#db.containers.get(parseContainerId(id));
          if (now === void 0 || !("running" in now.state)) return false;
          const dir = now.taskDir ?? taskDir(root, id);
          return !await readExit(dir).catch(() => void 0) && await shimAlive(dir);
        },
        query,
        write,
        signal: stop
      });
    }, signal);
  }
  async stats(filter) {
    const out = [];
    for (const p of this.#db.pods.list(filter.namespace ? { namespace: filter.namespace } : {})) {
      for (const row of this.#db.containers.listByPod(p.uid, { latest: true })) {
        if (!("running" in row.state)) continue;
        const st = await this.#x.deps.groups.open(row.groupId ?? row.id).stats().catch(() => void 0);
        if (!st) continue;
        out.push({
          namespace: p.namespace,
          pod: p.name,
          container: row.name,
          containerId: row.id,
          cpuUsageNs: st.cpuUsageNs,
          ...this.#x.monitor.cpuRate(row.id, st.cpuUsageNs),
          memoryWorkingSetBytes: st.memoryWorkingSetBytes,
          processCount: st.processCount,
          logBytes: await logBytes(logPath(this.#x.deps.root, row.id))
        });
      }
    }
    return out;
  }
  execTarget(namespace, name, container) {
    const rec = this.mustFind(namespace, name);
    const rows = this.#db.containers.listByPod(rec.uid, { latest: true });
    const running = rows.filter((r) => "running" in r.state);
    const pick = container ? running.find((r) => r.name === container) : running.find((r) => r.type === "container") ?? running[0];
    const target = pick && execTargetOf(this.#x.deps.root, pick);
    if (target) return target;
    const names = this.#containerNames(rec);
    if (container && !names.includes(container))
      throw new RuntimeError("NotFound", `container ${container} not found in pod ${name}`, {
        hint: `its containers: ${names.join(", ")}`
      });
    throw new RuntimeError(
      "FailedPrecondition",
      container ? `Cannot exec in container "${container}" of pod "${name}": it is not running` : `Cannot exec in pod "${name}": no container is running`
    );
  }
  async images() {
    return (await this.#x.images.images.list()).map((r) => imageView(r));
  }
  async pullImage(reference, platform) {
    const own = `linux/${this.#x.deps.node.labels["kubernetes.io/arch"] ?? ""}`;
    if (platform !== void 0 && platform !== own)
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot pull "${reference}" for ${platform}: the daemon pulls images for the pods of this host (${own})`,
        { hint: "pull other platforms without the daemon: hostpod pull --platform" }
      );
    await prepareImage(reference, "Always", this.#x.images);
    const rec = await this.#x.images.images.get(reference);
    if (!rec) throw new RuntimeError("Internal", `image "${reference}" is missing right after its pull`);
    return imageView(rec);
  }
  async removeImage(reference) {
    const { images } = this.#x;
    await assertImageUnused(images.images, reference, this.#db);
    const removed = await images.images.remove(reference);
    if (removed.length === 0)
      throw new RuntimeError("NotFound", `image "${reference}" not found`, {
        hint: "list them with hostpod images"
      });
    await removeImageContent(this.#x.deps.root, images.content, images.images, removed);
    return { removed: removed.map((r) => r.name || r.digest) };
  }
  #containerNames(rec) {
    const pod = this.#decode(rec);
    return pod ? [...pod.spec.initContainers ?? [], ...pod.spec.containers].map((c) => c.name) : [];
  }
  #decode(rec) {
    try {
      return decodeStoredPod(rec.manifest, `pod ${rec.namespace}/${rec.name}`);
    } catch {
      return void 0;
    }
  }
  #podNames() {
    return new Map(
      this.#db.pods.list().map((p) => [p.uid, { namespace: p.namespace, name: p.name, uid: p.uid }])
    );
  }
};

// src/daemon/pod-worker.ts
var PodWorker = class {
  uid;
  pod;
  /** Aborted to stop the pod (delete, replace). */
  stop = new AbortController();
  /** Settles when the worker ended (the pod stopped, finished, or was let go). Never rejects. */
  done;
  #x;
  #status;
  constructor(x, uid, pod, resume) {
    this.#x = x;
    this.uid = uid;
    this.pod = pod;
    pod.metadata.uid = uid;
    this.done = this.#run(resume).catch(
      (e) => x.log.error({ pod: this.name, err: describeError(e) }, "pod worker failed")
    );
  }
  get name() {
    return `${this.pod.metadata.namespace ?? "default"}/${this.pod.metadata.name ?? ""}`;
  }
  async #run(resume) {
    const x = this.#x;
    let delay = 0;
    let attempts = 0;
    const wake = AbortSignal.any([this.stop.signal, x.detach]);
    while (!wake.aborted) {
      try {
        const r = await runPod(this.pod, {
          deps: x.deps,
          // A delete or the daemon's stop ends a pull at once.
          images: { ...x.images, signal: wake },
          signal: this.stop.signal,
          detach: x.detach,
          podUid: this.uid,
          objects: x.objects(),
          timing: x.timing,
          ...x.serviceAccountTokenFile ? { serviceAccountTokenFile: x.serviceAccountTokenFile } : {},
          ...resume ? { resume } : {},
          onEvent: (e) => {
            try {
              this.#record(e);
            } catch (err) {
              x.log.error({ pod: this.name, event: e.type, err: describeError(err) }, "event handler");
            }
          }
        });
        if (!r.detached) x.log.info({ pod: this.name, phase: r.phase }, "pod ended");
        return;
      } catch (e) {
        attempts++;
        const failure = e instanceof PodStartError ? e : void 0;
        const message = describeError(e);
        const status = structuredClone(this.#status ?? resume?.status ?? initialPodStatus(this.pod.spec));
        const show = (reason, text) => {
          for (const [type, list] of [
            ["init_container", status.initContainerStatuses],
            ["container", status.containerStatuses]
          ])
            for (const c of list)
              if ("waiting" in c.state)
                markWaiting(status, this.pod.spec, type, c.name, { reason, message: text });
          this.#setStatus(status);
        };
        x.writer.addEvent(this.uid, "Warning", eventReason(failure), message);
        if (failure?.stage === "admission") {
          await x.reconciler.stopRunning(this.uid, `the pod cannot run on this node any more: ${message}`);
          show(failure.reason, message);
          status.phase = "Failed";
          this.#setStatus(status);
          return;
        }
        show(failure?.reason ?? "CreateContainerError", message);
        delay = delay === 0 ? x.timing.initialMs : Math.min(delay * 2, x.timing.maxMs);
        const backoff = failure?.reason === "ErrImagePull" ? setTimeout(
          () => show("ImagePullBackOff", `Back-off pulling image: ${message}`),
          attempts === 1 ? Math.min(delay / 2, 5e3) : 0
        ) : void 0;
        const slept = await sleepUnlessAborted(delay, wake);
        clearTimeout(backoff);
        if (!slept) return;
        const rec = x.writer.db.pods.get(this.uid);
        if (!rec || rec.deletedAt !== void 0) return;
        try {
          resume = await x.reconciler.standing(rec, this.pod);
        } catch (err) {
          x.log.error({ pod: this.name, err: describeError(err) }, "cannot rebuild the resume");
        }
      }
    }
  }
  #setStatus(status) {
    this.#status = status;
    this.#x.writer.setStatus(this.uid, status);
  }
  /** What one event of the run becomes. */
  #record(e) {
    const { writer, log, metrics } = this.#x;
    const event = (type, reason, message) => writer.addEvent(this.uid, type, reason, message);
    switch (e.type) {
      case "image":
        event("Normal", "Pulled", `Container image "${e.image}" is ready (${e.manifestDigest})`);
        return;
      case "started": {
        const c = e.container;
        if (e.adopted) {
          log.info({ pod: this.name, container: c.name, id: c.id }, "adopted");
          return;
        }
        this.#x.crashPoint?.("container-started");
        metrics?.containerStarted(c.type);
        event("Normal", "Started", `Started container ${c.name}`);
        log.info(
          { pod: this.name, container: c.name, id: c.id, restartCount: e.restartCount },
          "container started"
        );
        return;
      }
      case "exited": {
        const r = e.result;
        if (!e.container) {
          metrics?.containerStartFailed(r.type, r.errorCode ?? "Unknown");
          event("Warning", "Failed", `Error: ${r.message ?? r.reason}`);
        }
        log.info(
          { pod: this.name, container: r.name, exitCode: r.exitCode, reason: r.reason, message: r.message },
          "container exited"
        );
        return;
      }
      case "warning":
        event("Warning", "Warning", e.message);
        return;
      case "stopping":
        event("Normal", "Killing", `Stopping the pod's containers (grace period ${e.graceSeconds}s)`);
        return;
      case "backoff":
        event(
          "Warning",
          "BackOff",
          `Back-off restarting failed container ${e.container} in pod ${this.pod.metadata.name}`
        );
        return;
      case "probe":
        if (e.result === "failure")
          event(
            "Warning",
            "Unhealthy",
            `${e.probe[0].toUpperCase()}${e.probe.slice(1)} probe failed: ${e.message}`
          );
        return;
      case "killing":
        event("Normal", "Killing", `Container ${e.container} ${e.message}, will be restarted`);
        return;
      case "ready":
        return;
      case "status":
        this.#setStatus(e.status);
        return;
    }
  }
};
function eventReason(failure) {
  if (failure?.stage === "image") return "Failed";
  if (failure?.stage === "volumes") return "FailedMount";
  return "FailedCreate";
}

// src/daemon/reconcile.ts
import { readFile as readFile2, rm } from "node:fs/promises";
import { join as join3 } from "node:path";
var Reconciler = class {
  #deps;
  #writer;
  #log;
  constructor(deps, writer, log) {
    this.#deps = deps;
    this.#writer = writer;
    this.#log = log;
  }
  /** Where the pod's containers stand now; every run found ended is recorded as ended. */
  async standing(p, pod) {
    const containers = /* @__PURE__ */ new Map();
    let adopted = 0;
    for (const row of this.#writer.db.containers.listByPod(p.uid)) {
      if (!("waiting" in row.state)) continue;
      const problems = await this.removeContainer(row.id, false).catch((e) => [describeError(e)]);
      for (const problem of problems) this.#log.warn({ id: row.id, problem }, "removing an unfinished start");
      this.#writer.remove(row.id);
    }
    for (const row of this.#writer.db.containers.listByPod(p.uid, { latest: true })) {
      const key2 = `${row.type}/${row.name}`;
      if ("terminated" in row.state) {
        containers.set(key2, {
          attempt: row.attempt,
          ended: resultOf(row, exitOfTerminated(row.state.terminated))
        });
        continue;
      }
      const running = "running" in row.state ? await this.#adopt(row) : void 0;
      if (running) {
        adopted++;
        containers.set(key2, { attempt: row.attempt, running });
        continue;
      }
      const exit = await this.#end(p.uid, row);
      containers.set(key2, { attempt: row.attempt, ended: resultOf(row, exit) });
    }
    const status = composeStatus(
      pod.spec,
      parseStoredStatus(p.status),
      this.#writer.db.containers.listByPod(p.uid)
    );
    return { status, containers, anyRunning: adopted > 0, adopted };
  }
  /** Stops (kills) the running containers of a pod and records why they ended. */
  async stopRunning(uid, message) {
    for (const row of this.#writer.db.containers.listByPod(uid, { latest: true })) {
      if ("terminated" in row.state) continue;
      const problems = await this.removeContainer(row.id, true).catch((e) => [describeError(e)]);
      for (const problem of problems) this.#log.warn({ id: row.id, problem }, "stopping a container");
      const exit = killedExit(message, row.startedAt);
      this.#writer.update(row.id, { state: { terminated: terminatedState(exit, row.id) } });
    }
  }
  /** Removes a container's job, workspace and user (its shim found by its identity file). */
  removeContainer(id, keepLogs) {
    return removeContainer(this.#deps, { id }, { keepLogs });
  }
  /** A running container of an earlier daemon, if its shim still runs it: handed to the supervisor. */
  async #adopt(row) {
    const dir = row.taskDir ?? taskDir(this.#deps.root, row.id);
    if (!await shimAlive(dir)) return void 0;
    if (await readExit(dir).catch(() => "unreadable") !== void 0) return void 0;
    const exec = row.exec ?? await this.#legacyExec(row);
    if (!exec) return void 0;
    const task = await openTask(dir, this.#deps.groups, row.groupId ?? row.id).catch(() => void 0);
    if (!task) return void 0;
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      exec,
      task,
      account: { name: "", uid: 0, gid: 0, groups: [], home: "/", shell: "", ephemeral: exec.ephemeralUser },
      logPath: logPath(this.#deps.root, row.id),
      warnings: []
    };
  }
  /** A run that is not running any more: its end, read once from its shim's record, recorded. */
  async #end(uid, row) {
    const dir = row.taskDir ?? taskDir(this.#deps.root, row.id);
    const group = this.#deps.groups.open(row.groupId ?? row.id);
    const exit = await readTaskExit(dir, group).catch(() => void 0) ?? vanishedExit(
      "the container was gone when the daemon started (the host restarted, or its shim was killed)",
      row.startedAt
    );
    const problems = await this.removeContainer(row.id, true).catch((e) => [describeError(e)]);
    for (const problem of problems) this.#log.warn({ id: row.id, problem }, "cleaning up an ended container");
    this.#writer.update(row.id, { state: { terminated: terminatedState(exit, row.id) } });
    this.#writer.addEvent(
      uid,
      exit.reason === "Unknown" ? "Warning" : "Normal",
      "ContainerEnded",
      `Container ${row.name} ended while the daemon was down: exit code ${exit.exitCode} (${exit.reason})`
    );
    return exit;
  }
  /**
   * What exec needs of a container an older hostpod started (before the record held it): from
   * its `container.json`, moved into the record once.
   */
  async #legacyExec(row) {
    const file = join3(containerDir(this.#deps.root, row.id), "container.json");
    let v;
    try {
      v = JSON.parse(await readFile2(file, "utf8"));
    } catch {
      return void 0;
    }
    const strings = (x) => Array.isArray(x) ? x.filter((e) => typeof e === "string") : [];
    const exec = {
      layout: v.layout === "symlink" ? "symlink" : "bind",
      mountPoint: typeof v.mountPoint === "string" ? v.mountPoint : "/",
      mappings: Array.isArray(v.mappings) ? v.mappings.flatMap((m) => {
        const o = m;
        return typeof o?.source === "string" && typeof o.target === "string" ? [{ source: o.source, target: o.target }] : [];
      }) : [],
      env: strings(v.env),
      cwd: typeof v.cwd === "string" ? v.cwd : "/",
      ephemeralUser: v.ephemeralUser === true
    };
    this.#writer.update(row.id, { exec });
    await rm(file, { force: true }).catch(() => {
    });
    return exec;
  }
};
function resultOf(row, exit) {
  return { ...exit, name: row.name, type: row.type, id: row.id, restartCount: row.attempt };
}

// src/daemon/state-writer.ts
var MAX_HELD_EVENTS = 1e3;
var isDiskError = (e) => isRuntimeError(e, "ResourceExhausted") || isRuntimeError(e, "Unavailable");
var StateWriter = class {
  db;
  #o;
  /** Container changes not written yet, in order. */
  #heldChanges = [];
  /** The newest status of each pod not written yet. */
  #heldStatus = /* @__PURE__ */ new Map();
  #heldEvents = [];
  #problem;
  #podWatchers = /* @__PURE__ */ new Set();
  #eventWatchers = /* @__PURE__ */ new Set();
  constructor(db, options) {
    this.db = db;
    this.#o = options;
  }
  /** Why writes are held back now, or undefined when everything is written. */
  get problem() {
    return this.#problem;
  }
  /** How many writes wait for the disk. */
  get held() {
    return this.#heldChanges.length + this.#heldStatus.size + this.#heldEvents.length;
  }
  // ---- containers (ContainerStore) -------------------------------------------------------------
  create(input) {
    this.db.containers.create(input);
  }
  update(id, change) {
    this.#heldChanges.push({ id, change });
    this.#writeHeld();
  }
  remove(id) {
    this.#guard("remove a container record", () => this.db.containers.remove(id));
  }
  pruneAttempts(pod, container, keepFrom) {
    return this.#guard("prune old runs", () => this.db.containers.pruneAttempts(pod, container, keepFrom)) ?? [];
  }
  // ---- pods ----------------------------------------------------------------------------------
  /**
   * Stores a pod's status — what its container records do not hold (`storedStatus`) — after the
   * container changes before it, then tells the pod's watchers.
   */
  setStatus(uid, status) {
    this.#heldStatus.set(uid, status);
    if (this.#writeHeld()) this.notifyPod(uid);
  }
  /** Forgets what is held back for a pod (it was replaced or deleted). */
  forgetPod(uid) {
    this.#heldStatus.delete(uid);
    this.#heldEvents = this.#heldEvents.filter((e) => e.uid !== uid);
  }
  /** Calls `fn` after each committed change of a pod (`deleted`: the pod's last view). */
  watchPods(fn) {
    this.#podWatchers.add(fn);
    return () => this.#podWatchers.delete(fn);
  }
  notifyPod(uid, deleted) {
    for (const fn of this.#podWatchers) fn(uid, deleted);
  }
  // ---- events --------------------------------------------------------------------------------
  /** Records an event (of a pod, or of the node when `uid` is undefined); held back on a full disk. */
  addEvent(uid, type, reason, message) {
    this.#heldEvents.push({
      uid,
      type,
      reason,
      message: message.slice(0, 1e3),
      at: (/* @__PURE__ */ new Date()).toISOString()
    });
    if (this.#heldEvents.length > MAX_HELD_EVENTS) this.#heldEvents.shift();
    this.#writeEvents();
  }
  watchEvents(fn) {
    this.#eventWatchers.add(fn);
    return () => this.#eventWatchers.delete(fn);
  }
  // ---- retry ---------------------------------------------------------------------------------
  /** Writes what is held back (the periodic check). Returns true when nothing is left. */
  flush() {
    const pods = [...this.#heldStatus.keys()];
    const ok = this.#writeHeld();
    if (ok) for (const uid of pods) this.notifyPod(uid);
    this.#writeEvents();
    return this.held === 0;
  }
  /**
   * Writes the held container changes, then the held statuses, in one transition: the statuses
   * never get ahead of the records they show. Returns false when the disk refused it all.
   */
  #writeHeld() {
    if (this.#heldChanges.length === 0 && this.#heldStatus.size === 0) return true;
    const changes = this.#heldChanges;
    const statuses = [...this.#heldStatus];
    try {
      this.db.transition(() => {
        for (const { id, change } of changes) {
          try {
            this.db.transition(() => this.db.containers.update(id, change));
          } catch (e) {
            if (isDiskError(e)) throw e;
            if (!isRuntimeError(e, "NotFound"))
              this.#o.log.error({ id, err: describeError(e) }, "a container change was dropped");
          }
        }
        this.#o.crashPoint?.("status-transition");
        for (const [uid, status] of statuses)
          if (this.db.pods.get(uid)) this.db.pods.setStatus(uid, storedStatus(status));
      });
    } catch (e) {
      this.#failed(e);
      return false;
    }
    this.#heldChanges = this.#heldChanges.slice(changes.length);
    for (const [uid, status] of statuses)
      if (this.#heldStatus.get(uid) === status) this.#heldStatus.delete(uid);
    this.#cleared();
    return true;
  }
  #writeEvents() {
    while (this.#heldEvents.length > 0) {
      const e = this.#heldEvents[0];
      let rec;
      try {
        if (e.uid && !this.db.pods.get(e.uid)) {
          this.#heldEvents.shift();
          continue;
        }
        rec = this.db.events.add({
          ...e.uid ? { podUid: e.uid } : {},
          type: e.type,
          reason: e.reason,
          message: e.message,
          at: e.at
        });
      } catch (err) {
        if (!isDiskError(err)) {
          this.#heldEvents.shift();
          this.#o.log.error({ err: describeError(err), reason: e.reason }, "an event was dropped");
          continue;
        }
        this.#failed(err);
        return;
      }
      this.#heldEvents.shift();
      for (const fn of this.#eventWatchers) fn(rec);
    }
    this.#cleared();
  }
  #guard(what, fn) {
    try {
      return fn();
    } catch (e) {
      this.#o.log.error({ err: describeError(e) }, `cannot ${what}`);
      if (isDiskError(e)) this.#failed(e);
      return void 0;
    }
  }
  #failed(e) {
    this.#o.metrics?.stateWriteFailed?.();
    if (this.#problem === void 0)
      this.#o.log.error({ err: describeError(e) }, "cannot write the state database (held back, retried)");
    this.#problem = `cannot write the state database: ${describeError(e)}`;
  }
  #cleared() {
    if (this.held === 0) this.#problem = void 0;
  }
};

// src/daemon/node-agent.ts
var FINAL = /* @__PURE__ */ new Set(["Succeeded", "Failed"]);
var noop = () => {
};
var silentLogger = { info: noop, warn: noop, error: noop };
var NodeAgent = class _NodeAgent {
  db;
  deps;
  writer;
  monitor;
  #views;
  #reconciler;
  #images;
  #config;
  #options;
  #log;
  #lock;
  #workers = /* @__PURE__ */ new Map();
  /** Apply and delete of one pod (`ns/name`) run one after the other. */
  #podQueues = /* @__PURE__ */ new Map();
  /** Aborted when the daemon goes away: workers let go of their pods without stopping them. */
  #detach = new AbortController();
  #objects = emptyObjectSet();
  #closed = false;
  /** Test hook: the daemon SIGKILLs itself at the named point (`AgentOptions.crashAt`). */
  #crashPoint;
  constructor(config, options, writer, deps, images, lock) {
    this.#config = config;
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.db = writer.db;
    this.writer = writer;
    this.deps = deps;
    this.#images = images;
    this.#lock = lock;
    this.#crashPoint = (point) => {
      if (options.crashAt === point) process.kill(options.pid, "SIGKILL");
    };
    this.monitor = new HealthMonitor(writer, deps.groups, options.metrics);
    this.#reconciler = new Reconciler(deps, writer, this.#log);
    this.#views = new NodeViews({
      writer,
      deps,
      images,
      monitor: this.monitor,
      version: options.version,
      pid: options.pid
    });
  }
  /**
   * Opens the state root for this daemon: takes its lock (one daemon per root), opens the
   * state database (refusing a damaged or newer one without writing it), chooses the host
   * backends. Throws `AlreadyExists` (another daemon), what `openStateDb` throws.
   */
  static async open(config, options) {
    prepareStateRoot(config.root);
    const lock = await tryFileLock(join4(config.root, "daemon.lock"));
    if ("heldBy" in lock)
      throw new RuntimeError(
        "AlreadyExists",
        `Cannot start the daemon: another hostpod daemon (pid ${lock.heldBy}) uses the state root ${config.root}`,
        { hint: "stop it first, or give this one another --root" }
      );
    try {
      const log = options.logger ?? silentLogger;
      const crashAt = options.crashAt;
      const crashPoint = crashAt ? (point) => {
        if (point === crashAt) process.kill(options.pid, "SIGKILL");
      } : void 0;
      const writer = new StateWriter(openStateDb(stateDbPath(config.root)), {
        log,
        ...options.metrics ? { metrics: options.metrics } : {},
        ...crashPoint ? { crashPoint } : {}
      });
      const deps = await hostRuntimeDeps({
        root: config.root,
        records: writer,
        pid: options.pid,
        daemon: true,
        layout: config.layout,
        ...config.cgroupParent ? { cgroupParent: config.cgroupParent } : {},
        ...config.nodeName ? { nodeName: config.nodeName } : {},
        ...config.nodeIp ? { nodeIp: config.nodeIp } : {},
        ...config.nodeLabels ? { nodeLabels: config.nodeLabels } : {},
        ...config.workspace ? { workspace: config.workspace } : {},
        ...config.logRotation ? { logRotation: config.logRotation } : {},
        ...config.serviceAccounts ? { serviceAccounts: config.serviceAccounts } : {},
        ...config.shutdownGraceMs !== void 0 ? { shutdownGraceMs: config.shutdownGraceMs } : {},
        ...crashPoint ? { onStep: crashPoint } : {}
      });
      const content = new LocalContentStore(join4(config.root, "content"));
      const images = {
        root: config.root,
        content,
        images: new ImageStore(config.root, content),
        insecureRegistries: config.insecureRegistries ?? [],
        ...config.registryConfigDir ? { registryConfigDir: config.registryConfigDir } : {},
        onPulled: (_image, seconds, outcome) => options.metrics?.observeImagePull?.(seconds, outcome)
      };
      return new _NodeAgent(config, options, writer, deps, images, lock);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }
  /** Reconciles the state with the host, then runs every pod. */
  async start() {
    this.#loadObjects();
    const stale = await cleanupStale({ ...this.deps, containers: this.db.containers });
    for (const problem of stale.problems) this.#log.warn({ problem }, "cleanup");
    const pods = this.db.pods.list();
    const decoded = /* @__PURE__ */ new Map();
    for (const p of pods) {
      const pod = this.#decode(p);
      if (pod) decoded.set(p.uid, pod);
    }
    const keep = new Set([...decoded.values()].map((pod) => basename2(podDir(this.deps.root, pod))));
    const vols = await removeStalePodVolumes(this.deps.root, { daemonKeep: keep });
    for (const problem of vols.problems) this.#log.warn({ problem }, "cleanup");
    let adopted = 0;
    for (const p of pods) {
      const pod = decoded.get(p.uid);
      if (!pod) continue;
      if (p.deletedAt !== void 0) {
        await this.#finishDelete(p);
        continue;
      }
      let resume;
      try {
        resume = await this.#reconciler.standing(p, pod);
      } catch (e) {
        this.#log.error({ pod: `${p.namespace}/${p.name}`, err: describeError(e) }, "cannot resume the pod");
        continue;
      }
      adopted += resume.adopted;
      if (p.phase !== void 0 && FINAL.has(p.phase) && !resume.anyRunning) continue;
      this.#startWorker(p.uid, pod, resume);
    }
    this.#log.info({ pods: pods.length, adopted }, "reconciled");
  }
  /**
   * Lets go of every pod without stopping it (a daemon restart or upgrade): the containers keep
   * running and logging; the next daemon adopts them. Or, with `stopPods`, stops them all first.
   */
  async close(options = {}) {
    if (this.#closed) return;
    this.#closed = true;
    if (options.stopPods) for (const w of this.#workers.values()) w.stop.abort();
    else this.#detach.abort();
    await Promise.all([...this.#podQueues.values()].map((q) => q.catch(() => {
    })));
    await Promise.all([...this.#workers.values()].map((w) => w.done));
    this.writer.flush();
    this.db.close();
    await this.#lock.release();
  }
  // ---- the node API: reads ---------------------------------------------------------------------
  async version() {
    return this.#views.version();
  }
  async health() {
    return this.monitor.health();
  }
  async listPods(filter = {}) {
    return this.#views.pods(filter);
  }
  /** The pods as stored now (the daemon's metrics read them synchronously). */
  podsNow(filter = {}) {
    return this.#views.pods(filter);
  }
  async getPod(namespace, name) {
    return this.#views.pod(namespace, name);
  }
  watchPods(filter, signal) {
    return this.#views.watchPods(filter, signal);
  }
  async listEvents(filter = {}) {
    return this.#views.events(filter);
  }
  watchEvents(filter, signal) {
    return this.#views.watchEvents(filter, signal);
  }
  logs(namespace, name, query, signal) {
    return this.#views.logs(namespace, name, query, signal);
  }
  stats(filter = {}) {
    return this.#views.stats(filter);
  }
  async execTarget(namespace, name, container) {
    return this.#views.execTarget(namespace, name, container);
  }
  listImages() {
    return this.#views.images();
  }
  pullImage(reference, platform) {
    return this.#views.pullImage(reference, platform);
  }
  removeImage(reference) {
    return this.#views.removeImage(reference);
  }
  // ---- the node API: changes --------------------------------------------------------------------
  async apply(request) {
    const set = decodeDesired(request.objects, { node: this.deps.node.name });
    const r = await this.#applySet(
      set.pods,
      set.objects,
      { kind: "apply" },
      request.dryRun === true,
      set.skipped
    );
    return { ...r, warnings: [...set.warnings, ...r.warnings] };
  }
  async deletePod(namespace, name, options = {}) {
    const rec = this.#views.mustFind(namespace, name);
    if (rec.source.kind === "static")
      throw new RuntimeError(
        "FailedPrecondition",
        `Cannot delete pod "${namespace}/${name}": it is a static pod`,
        {
          hint: `remove its file ${rec.source.path} from the static pod directory`
        }
      );
    const done = this.#serial(`${namespace}/${name}`, async () => {
      const now = this.db.pods.get(rec.uid);
      if (now) await this.#delete(now, options);
    });
    if (options.wait === false) {
      done.catch(
        (e) => this.#log.error({ err: describeError(e), pod: `${namespace}/${name}` }, "delete")
      );
      return { namespace, name, status: "terminating" };
    }
    await done;
    return { namespace, name, status: "deleted" };
  }
  // ---- the daemon's own calls -----------------------------------------------------------------
  /** Records a node event (not about one pod). */
  nodeEvent(type, reason, message) {
    this.writer.addEvent(void 0, type, reason, message);
  }
  /** Records (or clears) a condition an operator must see: `/v1/healthz`, an event. */
  setProblem(key2, message) {
    this.monitor.setProblem(key2, message);
  }
  /** The periodic check (the daemon calls it every few seconds). */
  checkHealth() {
    return this.monitor.check();
  }
  /** The static pod files that pods came from. */
  staticPaths() {
    const out = /* @__PURE__ */ new Set();
    for (const p of this.db.pods.list()) if (p.source.kind === "static") out.add(p.source.path);
    return [...out];
  }
  /** Applies the pods of a static pod file (source `static`). */
  async applyStatic(path, values) {
    const set = decodeDesired(values, { node: this.deps.node.name, file: path });
    return this.#applySet(set.pods, set.objects, { kind: "static", path }, false, set.skipped);
  }
  /** Stops and removes the static pods of `path` not in `keep` (names `ns/name`). */
  async removeStatic(path, keep = /* @__PURE__ */ new Set()) {
    const gone = [];
    for (const p of this.db.pods.list()) {
      if (p.source.kind !== "static" || p.source.path !== path) continue;
      if (keep.has(`${p.namespace}/${p.name}`) || p.deletedAt !== void 0) continue;
      await this.#serial(`${p.namespace}/${p.name}`, () => this.#delete(p, {}));
      gone.push(`${p.namespace}/${p.name}`);
    }
    return gone;
  }
  // ---- apply and delete ---------------------------------------------------------------------
  async #applySet(pods, objects, source, dryRun, skipped) {
    const results = [];
    for (const p of pods) {
      try {
        admitPod(p.pod, this.deps);
      } catch (e) {
        if (!isRuntimeError(e)) throw e;
        throw new RuntimeError(e.code, e.message, e.hint ? { hint: e.hint } : {});
      }
      const existing = this.db.pods.find(p.namespace, p.name);
      if (existing && existing.source.kind !== source.kind)
        throw new RuntimeError(
          "FailedPrecondition",
          `Cannot apply pod "${p.namespace}/${p.name}": it is a ${existing.source.kind === "static" ? `static pod (from ${existing.source.path})` : "pod applied through the API"}`,
          { hint: existing.source.kind === "static" ? "change its file instead" : "delete it first" }
        );
      if (existing?.deletedAt !== void 0)
        throw new RuntimeError(
          "FailedPrecondition",
          `Cannot apply pod "${p.namespace}/${p.name}": it is being deleted`,
          {
            hint: "wait until it is gone, then apply it again"
          }
        );
    }
    if (dryRun) {
      for (const o of objects) {
        const old = this.db.objects.get(o.kind, o.namespace, o.name);
        results.push({
          kind: o.kind,
          namespace: o.namespace,
          name: o.name,
          change: old ? "configured" : "created"
        });
      }
      for (const p of pods) {
        const old = this.db.pods.find(p.namespace, p.name);
        results.push({
          kind: "Pod",
          namespace: p.namespace,
          name: p.name,
          change: old ? "configured" : "created"
        });
      }
      return { results, skipped, warnings: [] };
    }
    this.db.transition(() => {
      for (const o of objects) {
        const r = this.db.objects.put(o.kind, o.raw, { namespace: o.namespace });
        results.push({ kind: o.kind, namespace: o.namespace, name: o.name, change: r.change });
      }
    });
    this.#loadObjects();
    for (const p of pods)
      results.push(await this.#serial(`${p.namespace}/${p.name}`, () => this.#applyPod(p, source)));
    return { results, skipped, warnings: [] };
  }
  /** Stores one pod and (re)starts its worker; runs in the pod's queue. */
  async #applyPod(p, source) {
    const { pod: rec, change } = this.db.pods.put({
      namespace: p.namespace,
      name: p.name,
      manifest: p.manifest,
      source
    });
    const result = { kind: "Pod", namespace: p.namespace, name: p.name, change };
    this.#crashPoint("pod-stored");
    const running = this.#workers.get(rec.uid);
    if (change === "unchanged" && running) return result;
    if (change === "unchanged" && rec.phase !== void 0 && FINAL.has(rec.phase)) return result;
    const pod = this.#decode(rec);
    if (!pod) return result;
    if (running) {
      this.writer.addEvent(rec.uid, "Normal", "Killing", "Stopping the pod: its spec changed");
      running.stop.abort();
      await running.done;
    }
    this.writer.forgetPod(rec.uid);
    const old = this.db.containers.listByPod(rec.uid);
    this.db.transition(() => {
      for (const row of old) this.db.containers.remove(row.id);
      this.db.pods.setStatus(rec.uid, storedStatus(initialPodStatus(pod.spec)));
    });
    for (const row of old)
      await rm2(containerDir(this.deps.root, row.id), { recursive: true, force: true }).catch(() => {
      });
    this.writer.addEvent(
      rec.uid,
      "Normal",
      "Scheduled",
      `Assigned ${p.namespace}/${p.name} to ${this.deps.node.name}`
    );
    this.#startWorker(rec.uid, pod, void 0);
    this.writer.notifyPod(rec.uid);
    return result;
  }
  /** Runs `fn` after every earlier apply/delete of the pod `key` (`ns/name`). */
  #serial(key2, fn) {
    const prev = this.#podQueues.get(key2) ?? Promise.resolve();
    const next = prev.catch(() => {
    }).then(fn);
    this.#podQueues.set(key2, next);
    void next.catch(() => {
    }).finally(() => {
      if (this.#podQueues.get(key2) === next) this.#podQueues.delete(key2);
    });
    return next;
  }
  async #delete(rec, options) {
    const w = this.#workers.get(rec.uid);
    if (rec.deletedAt === void 0) this.db.pods.markDeleted(rec.uid);
    this.writer.notifyPod(rec.uid);
    if (w) {
      if (options.force) w.pod.spec.terminationGracePeriodSeconds = 0;
      else if (options.gracePeriodSeconds !== void 0)
        w.pod.spec.terminationGracePeriodSeconds = options.gracePeriodSeconds;
      w.stop.abort();
      await w.done;
    }
    await this.#finishDelete(this.db.pods.get(rec.uid) ?? rec);
  }
  /** Removes what is left of a deleted pod: running containers (adopted or not), records, logs, volumes. */
  async #finishDelete(rec) {
    const view = this.#views.viewOf(rec);
    for (const row of this.db.containers.listByPod(rec.uid))
      await this.#reconciler.removeContainer(row.id, false);
    const pod = this.#decode(rec);
    if (pod) {
      const dir = podDir(this.deps.root, pod);
      await removeStalePodVolumes(this.deps.root, {
        daemonKeep: new Set(
          (await readdir(join4(this.deps.root, "pods")).catch(() => [])).filter((n) => n !== basename2(dir))
        )
      }).catch(() => void 0);
    }
    this.writer.forgetPod(rec.uid);
    this.db.pods.remove(rec.uid);
    this.writer.notifyPod(rec.uid, view);
  }
  // ---- workers --------------------------------------------------------------------------------
  #startWorker(uid, pod, resume) {
    if (this.#closed || this.#workers.has(uid)) return;
    const w = new PodWorker(
      {
        deps: this.deps,
        images: this.#images,
        writer: this.writer,
        reconciler: this.#reconciler,
        objects: () => this.#objects,
        timing: { ...DEFAULT_TIMING, ...this.#config.timing },
        ...this.#config.serviceAccountTokenFile ? { serviceAccountTokenFile: this.#config.serviceAccountTokenFile } : {},
        detach: this.#detach.signal,
        log: this.#log,
        ...this.#options.metrics ? { metrics: this.#options.metrics } : {},
        crashPoint: this.#crashPoint
      },
      uid,
      pod,
      resume
    );
    this.#workers.set(uid, w);
    void w.done.finally(() => {
      if (this.#workers.get(uid) === w) this.#workers.delete(uid);
    });
  }
  // ---- helpers --------------------------------------------------------------------------------
  #decode(rec) {
    try {
      const pod = decodeStoredPod(rec.manifest, `pod ${rec.namespace}/${rec.name}`);
      pod.metadata.uid = rec.uid;
      return pod;
    } catch (e) {
      this.#log.error(
        { pod: `${rec.namespace}/${rec.name}`, err: describeError(e) },
        "stored pod unreadable"
      );
      return void 0;
    }
  }
  #loadObjects() {
    const set = emptyObjectSet();
    for (const o of this.db.objects.list()) {
      const d = decodeDesired([o.object], { node: this.deps.node.name, file: "<state>" });
      for (const x of d.objects) addObject(set, x.value);
    }
    this.#objects = set;
  }
};

// src/daemon/static-pods.ts
import { createHash } from "node:crypto";
import { constants as constants2, watch } from "node:fs";
import { lstat as lstat2, open, readdir as readdir2, stat as stat2 } from "node:fs/promises";
import { extname, join as join5 } from "node:path";
function isManifestName(name) {
  if (name.startsWith(".") || name.endsWith("~") || name.endsWith(".swp")) return false;
  return [".yaml", ".yml", ".json"].includes(extname(name).toLowerCase());
}
var StaticPodWatcher = class {
  #dir;
  #onChange;
  #onError;
  #pollMs;
  #debounceMs;
  /** What was last reported. */
  #files = /* @__PURE__ */ new Map();
  /** The stat fingerprint each reported file had when it was read. */
  #readAt = /* @__PURE__ */ new Map();
  /** Files seen changed but not yet still for `debounceMs`: fingerprint and when it was first seen. */
  #pending = /* @__PURE__ */ new Map();
  #watcher;
  #watchedDir;
  #poll;
  #soon;
  #running;
  #again = false;
  /** Report the next scan's set even when unchanged (the first one). */
  #mustReport = false;
  #firstReportBy = 0;
  #started = false;
  #stopped = false;
  constructor(options) {
    this.#dir = options.dir;
    this.#onChange = options.onChange;
    this.#onError = options.onError ?? ((err) => process.emitWarning(err.message, { code: err.code }));
    this.#pollMs = options.pollMs ?? 1e3;
    this.#debounceMs = options.debounceMs ?? 100;
  }
  /** Scans once and reports the set (even empty), then follows changes. Throws `FailedPrecondition` when called twice. */
  async start() {
    if (this.#started)
      throw new RuntimeError("FailedPrecondition", "Cannot start the static pod watcher: already started");
    this.#started = true;
    this.#mustReport = true;
    this.#firstReportBy = Date.now() + 10 * this.#debounceMs;
    await this.#kick();
    if (this.#stopped) return;
    this.#poll = setInterval(() => void this.#kick(), this.#pollMs);
    this.#poll.unref();
  }
  async stop() {
    this.#stopped = true;
    clearInterval(this.#poll);
    clearTimeout(this.#soon);
    this.#unwatch();
    await this.#running;
  }
  /** Runs a scan now, or once more right after the running one: one scan at a time. */
  #kick() {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#scan();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = void 0;
    });
    return this.#running;
  }
  #scanIn(ms) {
    if (this.#stopped) return;
    clearTimeout(this.#soon);
    this.#soon = setTimeout(() => void this.#kick(), Math.max(0, ms));
    this.#soon.unref();
  }
  #watch(dirKey) {
    if (this.#watchedDir === dirKey || this.#stopped) return;
    this.#unwatch();
    try {
      const w = watch(this.#dir, { persistent: false }, () => this.#scanIn(this.#debounceMs));
      w.on("error", () => this.#unwatch());
      this.#watcher = w;
      this.#watchedDir = dirKey;
    } catch {
    }
  }
  #unwatch() {
    this.#watcher?.close();
    this.#watcher = void 0;
    this.#watchedDir = void 0;
  }
  async #scan() {
    let names;
    try {
      const d = await stat2(this.#dir, { bigint: true });
      if (!d.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
      this.#watch(`${d.dev}:${d.ino}`);
      names = await readdir2(this.#dir);
    } catch (e) {
      const code = errnoCode(e);
      if (code !== "ENOENT" && code !== "ENOTDIR") {
        this.#onError(
          new RuntimeError(
            "Unavailable",
            `Cannot read the static pod directory "${this.#dir}": ${describeError(e)}`,
            {
              hint: "Its pods are kept as they are until the directory can be read again.",
              cause: e
            }
          )
        );
        if (this.#mustReport) this.#report(this.#files);
        return;
      }
      this.#unwatch();
      names = [];
    }
    const next = /* @__PURE__ */ new Map();
    let retryMs;
    const candidates = names.filter(isManifestName).sort();
    if (candidates.length > MANIFEST_LIMITS.maxFiles) {
      next.set(this.#dir, {
        path: this.#dir,
        hash: "",
        objects: [],
        error: `${this.#dir}: more than ${MANIFEST_LIMITS.maxFiles} manifest files; only the first ${MANIFEST_LIMITS.maxFiles} (by name) are used`
      });
      candidates.length = MANIFEST_LIMITS.maxFiles;
    }
    for (const name of candidates) {
      if (this.#stopped) return;
      const path = join5(this.#dir, name);
      const previous = this.#files.get(path);
      let st;
      try {
        st = await stat2(path, { bigint: true });
      } catch (e) {
        const problem = await statProblem(path, e);
        if (problem !== void 0)
          next.set(path, { path, hash: "", objects: [], error: `${path}: ${problem}` });
        continue;
      }
      if (!st.isFile()) continue;
      const fp = fingerprint(st);
      if (previous && this.#readAt.get(path) === fp) {
        next.set(path, previous);
        continue;
      }
      const wait = this.#unsettledFor(path, fp, st);
      if (wait > 0) {
        if (previous) next.set(path, previous);
        retryMs = Math.min(retryMs ?? wait, wait);
        continue;
      }
      const outcome = await readStaticFile(path, fp);
      if (outcome.kind === "skip") continue;
      if (outcome.kind === "changed") {
        if (previous) next.set(path, previous);
        retryMs = Math.min(retryMs ?? this.#debounceMs, this.#debounceMs);
        continue;
      }
      this.#pending.delete(path);
      this.#readAt.set(path, fp);
      next.set(path, outcome.file);
    }
    const listed = new Set(candidates.map((n) => join5(this.#dir, n)));
    for (const p of this.#readAt.keys()) if (!next.has(p)) this.#readAt.delete(p);
    for (const p of this.#pending.keys()) if (!listed.has(p)) this.#pending.delete(p);
    if (this.#stopped) return;
    if (this.#mustReport && retryMs !== void 0 && Date.now() + retryMs <= this.#firstReportBy) {
      await new Promise((r) => setTimeout(r, retryMs));
      this.#again = true;
      return;
    }
    this.#report(next);
    if (retryMs !== void 0) this.#scanIn(retryMs);
  }
  /** How many more ms to wait before reading a changed file; 0 when it has been still long enough. */
  #unsettledFor(path, fp, st) {
    const now = Date.now();
    const ageMs = now - Number(st.ctimeNs / 1000000n);
    if (ageMs >= this.#debounceMs) return 0;
    const seen = this.#pending.get(path);
    if (seen?.fingerprint === fp) {
      const stillFor = now - seen.since;
      if (stillFor >= this.#debounceMs) return 0;
      return Math.min(this.#debounceMs - ageMs, this.#debounceMs - stillFor);
    }
    this.#pending.set(path, { fingerprint: fp, since: now });
    return Math.min(this.#debounceMs - ageMs, this.#debounceMs);
  }
  #report(next) {
    const changed = this.#mustReport || next.size !== this.#files.size || [...next].some(([p, f]) => {
      const old = this.#files.get(p);
      return old === void 0 || old.hash !== f.hash || old.error !== f.error;
    });
    this.#files = next;
    this.#mustReport = false;
    if (!changed) return;
    try {
      this.#onChange(new Map(next));
    } catch (e) {
      this.#onError(
        new RuntimeError(
          "Internal",
          `Static pod directory "${this.#dir}": applying a change failed: ${describeError(e)}`,
          {
            cause: e
          }
        )
      );
    }
  }
};
function fingerprint(st) {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}
async function statProblem(path, e) {
  const code = errnoCode(e);
  if (code === "ENOENT") {
    const link = await lstat2(path).catch(() => void 0);
    return link?.isSymbolicLink() ? "symbolic link to a file that does not exist" : void 0;
  }
  if (code === "ELOOP") return "too many levels of symbolic links";
  if (code === "EACCES") return "permission denied";
  return describeError(e);
}
async function readStaticFile(path, expected) {
  const limit = MANIFEST_LIMITS.maxFileBytes;
  const failed = (message) => ({
    kind: "file",
    file: { path, hash: "", objects: [], error: `${path}: ${message}` }
  });
  let fh;
  try {
    fh = await open(path, constants2.O_RDONLY | constants2.O_NONBLOCK | constants2.O_NOCTTY);
  } catch (e) {
    return errnoCode(e) === "ENOENT" ? { kind: "changed" } : failed(readProblem(e));
  }
  let content;
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) return { kind: "skip" };
    if (fingerprint(st) !== expected) return { kind: "changed" };
    if (st.size > BigInt(limit)) return failed(`file is ${st.size} bytes, more than the ${limit}-byte limit`);
    const chunks = [];
    let total = 0;
    for (; ; ) {
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, limit + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) return failed(`file is more than the ${limit}-byte limit`);
    }
    if (fingerprint(await fh.stat({ bigint: true })) !== expected) return { kind: "changed" };
    content = Buffer.concat(chunks, total);
  } catch (e) {
    return failed(readProblem(e));
  } finally {
    await fh.close().catch(() => {
    });
  }
  const hash = createHash("sha256").update(content).digest("hex");
  const parsed = parseManifestText(content.toString("utf8"), path);
  if (parsed.problems.length > 0) {
    const error = parsed.problems.map((p) => `${p.file}${p.position ? `:${p.position.line}:${p.position.col}` : ""}: ${p.message}`).join("; ");
    return { kind: "file", file: { path, hash, objects: [], error } };
  }
  return { kind: "file", file: { path, hash, objects: parsed.documents.map((d) => d.value) } };
}
function readProblem(e) {
  const code = errnoCode(e);
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EAGAIN") return "would block (not a regular file)";
  if (code === "EIO") return "input/output error";
  return describeError(e);
}

// src/daemon/daemon.ts
async function startDaemon(config, env) {
  const log = createDaemonLogger({ stream: env.logStream, level: config.logLevel });
  let agentRef;
  const metrics = new DaemonMetrics({
    collectContainers: () => agentRef?.stats({}) ?? Promise.resolve([]),
    podPhases: () => {
      const counts = { Pending: 0, Running: 0, Succeeded: 0, Failed: 0 };
      for (const p of agentRef?.podsNow() ?? []) counts[p.phase]++;
      return counts;
    }
  });
  const socketGid = config.socketGroup === void 0 ? void 0 : groupId(config.socketGroup);
  const agent = await NodeAgent.open(
    {
      root: config.root,
      layout: config.layout,
      nodeLabels: config.nodeLabels,
      insecureRegistries: config.insecureRegistries,
      registryConfigDir: config.registryConfigDir,
      logRotation: config.logRotation,
      ...config.cgroupParent ? { cgroupParent: config.cgroupParent } : {},
      ...config.nodeName ? { nodeName: config.nodeName } : {},
      ...config.serviceAccounts ? { serviceAccounts: config.serviceAccounts } : {},
      ...config.serviceAccountTokenFile ? { serviceAccountTokenFile: config.serviceAccountTokenFile } : {},
      ...config.workspace ? { workspace: config.workspace } : {},
      ...env.timing ? { timing: env.timing } : {},
      ...env.shutdownGraceMs !== void 0 ? { shutdownGraceMs: env.shutdownGraceMs } : {}
    },
    {
      pid: env.pid,
      version: env.version,
      metrics,
      logger: log,
      ...env.crashAt ? { crashAt: env.crashAt } : {}
    }
  );
  agentRef = agent;
  const closers = [];
  const close = async (options = {}) => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {
    });
    await agent.close(options);
    log.info({}, "stopped");
  };
  try {
    await agent.start();
    const api = await startApiServer({
      socketPath: config.socket,
      backend: agent,
      ...socketGid !== void 0 ? { group: socketGid } : {},
      logger: {
        warn: (msg, fields) => log.warn(fields ?? {}, msg),
        error: (msg, fields) => log.error(fields ?? {}, msg)
      },
      onRequest: (method, route, status, seconds) => metrics.observeApiRequest(method, route, status, seconds)
    });
    closers.push(() => api.close());
    let metricsServer;
    if (config.metricsAddress !== "") {
      metricsServer = await serveMetrics(metrics, config.metricsAddress);
      closers.push(() => metricsServer.close());
    }
    if (config.staticPodDir !== "") {
      const statics = followStaticPods(agent, config.staticPodDir, log, env.diskCheckMs ?? 2e3);
      await statics.watcher.start();
      closers.push(async () => {
        clearInterval(statics.retry);
        await statics.watcher.stop();
      });
    }
    const disk = watchDisk(agent, metrics, config.root, env.diskCheckMs ?? 2e3, log);
    closers.push(async () => clearInterval(disk));
    log.info(
      {
        socket: config.socket,
        root: config.root,
        metrics: metricsServer?.listen ?? null
      },
      "serving"
    );
    return {
      agent,
      metrics,
      ...metricsServer ? { metricsAddress: metricsServer.listen } : {},
      close
    };
  } catch (e) {
    await close().catch(() => {
    });
    throw e;
  }
}
function followStaticPods(agent, dir, log, retryMs) {
  const applied = /* @__PURE__ */ new Map();
  const refused = /* @__PURE__ */ new Map();
  let last = /* @__PURE__ */ new Map();
  let chain = Promise.resolve();
  const queue = (files) => {
    last = files;
    chain = chain.then(() => sync(files)).catch((e) => log.error({ err: describeError(e) }, "static pods"));
  };
  const sync = async (files) => {
    for (const path of /* @__PURE__ */ new Set([...applied.keys(), ...agent.staticPaths()])) {
      if (files.has(path)) continue;
      try {
        const gone = await agent.removeStatic(path);
        applied.delete(path);
        refused.delete(path);
        if (gone.length > 0) log.info({ path, pods: gone }, "static pod file removed");
      } catch (e) {
        log.error({ path, err: describeError(e) }, "static pod file removal");
      }
    }
    for (const [path, f] of files) {
      if (f.error) {
        if (applied.get(path) !== `error:${f.hash}`) {
          agent.nodeEvent(
            "Warning",
            "StaticPodInvalid",
            `static pod file ${f.error}; its pods are left as they were`
          );
          log.warn({ path, err: f.error }, "static pod file unusable");
          applied.set(path, `error:${f.hash}`);
          refused.delete(path);
        }
        continue;
      }
      if (applied.get(path) === f.hash) continue;
      try {
        const r = await agent.applyStatic(path, f.objects);
        const keep = new Set(
          r.results.filter((x) => x.kind === "Pod").map((x) => `${x.namespace}/${x.name}`)
        );
        await agent.removeStatic(path, keep);
        log.info({ path, pods: [...keep] }, "static pod file applied");
        applied.set(path, f.hash);
        refused.delete(path);
      } catch (e) {
        const why = describeError(e);
        if (refused.get(path) !== why) {
          refused.set(path, why);
          agent.nodeEvent("Warning", "StaticPodInvalid", `static pod file ${path}: ${why}`);
          log.warn({ path, err: why }, "static pod file refused");
        }
      }
    }
  };
  const watcher = new StaticPodWatcher({
    dir,
    onChange: queue,
    onError: (e) => log.warn({ err: e.message }, "static pod directory")
  });
  let busy = false;
  const retry = setInterval(() => {
    if (busy) return;
    const pendingApply = [...last].some(([path, f]) => !f.error && applied.get(path) !== f.hash);
    const pendingRemoval = [...applied.keys()].some((path) => !last.has(path));
    if (!pendingApply && !pendingRemoval) return;
    busy = true;
    queue(last);
    void chain.finally(() => {
      busy = false;
    });
  }, retryMs);
  retry.unref();
  return { watcher, retry };
}
function watchDisk(agent, metrics, root, everyMs, log) {
  let full = false;
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      await checkOnce();
    } finally {
      running = false;
    }
  };
  const checkOnce = async () => {
    await agent.checkHealth().catch((e) => log.error({ err: describeError(e) }, "health check"));
    const s = await statfs(root).catch(() => void 0);
    if (!s) return;
    const now = s.bavail * s.bsize < 1024 * 1024;
    if (now === full) return;
    full = now;
    metrics.setDiskFull(root, full);
    agent.setProblem("disk", full ? `no space left on the filesystem of ${root}` : void 0);
    if (!full) agent.nodeEvent("Normal", "DiskSpaceAvailable", `space is available again under ${root}`);
    log[full ? "error" : "info"]({ root }, full ? "disk full" : "disk space available");
  };
  void check();
  const t = setInterval(() => void check(), everyMs);
  t.unref();
  return t;
}
function groupId(group) {
  if (/^\d+$/.test(group)) return Number(group);
  for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === group && gid !== void 0) return Number(gid);
  }
  throw new RuntimeError("InvalidArgument", `Cannot give the socket to group "${group}": no such group`, {
    hint: "create it (groupadd) or set socketGroup to an existing group"
  });
}
export {
  startDaemon
};
