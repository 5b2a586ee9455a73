import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  ERROR_CODES,
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/client/client.ts
import { Agent, request } from "node:http";
var ONE_SHOT = new Agent({ keepAlive: false });
var DEFAULT_SOCKET = "/run/hostpod/hostpod.sock";
function resolveSocket(flag, env) {
  return flag || env.HOSTPOD_SOCKET || DEFAULT_SOCKET;
}
function errorFromApi(e, status) {
  if (!e || typeof e.message !== "string") {
    return new RuntimeError("Internal", `the hostpod daemon answered HTTP ${status} without an error body`);
  }
  const code = ERROR_CODES.includes(e.code) ? e.code : "Internal";
  const details = Array.isArray(e.details) ? e.details.map((d) => `
  ${d.object ? `${d.object}: ` : ""}${d.path}: ${d.message}`).join("") : "";
  return new RuntimeError(code, `${e.message}${details}`, {
    ...typeof e.hint === "string" ? { hint: e.hint } : {},
    ...Array.isArray(e.details) ? { details: e.details } : {}
  });
}
var DaemonClient = class {
  socketPath;
  timeoutMs;
  constructor(options) {
    this.socketPath = options.socketPath;
    this.timeoutMs = options.timeoutMs ?? 3e4;
  }
  version() {
    return this.json("GET", "/v1/version");
  }
  /** Resolves with the health also when the daemon reports problems (HTTP 503). */
  async health() {
    const { res, body } = await this.send("GET", "/v1/healthz", {}, void 0, this.timeoutMs);
    const text = await readAll(res, body);
    const value = JSON.parse(text);
    if (value.error) throw errorFromApi(value.error, res.statusCode ?? 0);
    return value;
  }
  apply(req) {
    return this.json("POST", "/v1/apply", {}, req, 0);
  }
  async listPods(filter = {}) {
    return (await this.json("GET", "/v1/pods", { namespace: filter.namespace })).items;
  }
  /** Every pod as ADDED, then each change, until `signal` aborts. */
  watchPods(filter, signal) {
    return this.ndjson("/v1/pods", { namespace: filter.namespace, watch: 1 }, signal);
  }
  getPod(namespace, name) {
    return this.json("GET", podPath(namespace, name));
  }
  deletePod(namespace, name, options = {}) {
    const query = { gracePeriod: options.gracePeriodSeconds, force: options.force, wait: options.wait };
    return this.json(
      "DELETE",
      podPath(namespace, name),
      query,
      void 0,
      options.wait === false ? this.timeoutMs : 0
    );
  }
  /** The log as chunks of text; with `follow`, until the container's run ends or `signal` aborts. */
  async *logs(namespace, name, query = {}, signal) {
    const q = { ...query };
    const { res, body } = await this.send("GET", `${podPath(namespace, name)}/log`, q, void 0, 0, signal);
    if (!body.ok) throw errorFromApi(parseError(await readAll(res, body)), res.statusCode ?? 0);
    try {
      for await (const chunk of res) yield chunk;
    } catch (e) {
      if (signal?.aborted) return;
      throw streamBroken(e);
    }
    if (signal?.aborted) return;
    const trailer = res.trailers["hostpod-error"];
    if (trailer) throw errorFromApi(parseError(`{"error":${trailer}}`), 200);
    if (!res.complete) throw streamBroken(void 0);
  }
  execTarget(namespace, name, container) {
    return this.json("GET", `${podPath(namespace, name)}/exec`, { container });
  }
  async listEvents(filter = {}) {
    return (await this.json("GET", "/v1/events", { ...filter })).items;
  }
  /** The events so far (after `after`), then each new one, until `signal` aborts. */
  watchEvents(filter, signal) {
    return this.ndjson("/v1/events", { ...filter, watch: 1 }, signal);
  }
  async stats(filter = {}) {
    return (await this.json("GET", "/v1/stats/pods", {
      namespace: filter.namespace
    })).items;
  }
  async listImages() {
    return (await this.json("GET", "/v1/images")).items;
  }
  pullImage(reference, platform) {
    return this.json("POST", "/v1/images/pull", {}, platform ? { reference, platform } : { reference }, 0);
  }
  removeImage(reference) {
    return this.json("DELETE", "/v1/images", { reference });
  }
  async json(method, path, query = {}, payload, timeoutMs = this.timeoutMs) {
    const { res, body } = await this.send(method, path, query, payload, timeoutMs);
    const text = await readAll(res, body);
    if (!body.ok) throw errorFromApi(parseError(text), res.statusCode ?? 0);
    try {
      return JSON.parse(text);
    } catch {
      throw new RuntimeError(
        "Internal",
        `the hostpod daemon answered ${method} ${path} with something that is not JSON`
      );
    }
  }
  async *ndjson(path, query, signal) {
    const { res, body } = await this.send("GET", path, query, void 0, 0, signal);
    if (!body.ok) throw errorFromApi(parseError(await readAll(res, body)), res.statusCode ?? 0);
    let rest = "";
    res.setEncoding("utf8");
    try {
      for await (const chunk of res) {
        rest += chunk;
        let nl = rest.indexOf("\n");
        while (nl >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          nl = rest.indexOf("\n");
          if (line === "") continue;
          const value = JSON.parse(line);
          if (value.error) throw errorFromApi(value.error, 200);
          yield value;
        }
      }
    } catch (e) {
      if (signal?.aborted) return;
      if (e instanceof RuntimeError) throw e;
      throw streamBroken(e);
    }
    if (signal?.aborted) return;
    throw new RuntimeError("Unavailable", "the hostpod daemon ended the watch", {
      hint: "run the command again"
    });
  }
  /** Sends a request; resolves with the response once its headers arrived. */
  send(method, path, query, payload, timeoutMs, signal) {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === void 0 || v === false) continue;
      search.set(k, v === true ? "1" : String(v));
    }
    if (query.wait === false) search.set("wait", "0");
    const qs = search.toString();
    const data = payload === void 0 ? void 0 : Buffer.from(JSON.stringify(payload));
    return new Promise((resolve, reject) => {
      let req;
      let timer;
      const onAbort = () => req?.destroy(new RuntimeError("Canceled", "the request was cancelled"));
      const cleanup = () => {
        if (timer) clearTimeout(timer);
      };
      req = request(
        {
          socketPath: this.socketPath,
          agent: ONE_SHOT,
          method,
          path: qs ? `${path}?${qs}` : path,
          headers: data ? { "Content-Type": "application/json", "Content-Length": data.length } : {}
        },
        (res) => {
          cleanup();
          res.once("close", () => signal?.removeEventListener("abort", onAbort));
          const status = res.statusCode ?? 0;
          resolve({ res, body: { ok: status >= 200 && status < 300 } });
        }
      );
      req.on("error", (e) => {
        cleanup();
        signal?.removeEventListener("abort", onAbort);
        reject(this.connectError(e, method, path));
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          req?.destroy(
            new RuntimeError(
              "DeadlineExceeded",
              `the hostpod daemon did not answer ${method} ${path} within ${timeoutMs / 1e3} s`,
              {
                hint: "the daemon may be overloaded or stuck; see its log (journalctl -u hostpod)"
              }
            )
          );
        }, timeoutMs);
      }
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }
      req.end(data);
    });
  }
  connectError(e, method, path) {
    if (e instanceof RuntimeError) return e;
    const code = errnoCode(e);
    const why = e.message;
    if (code === "ENOENT" || code === "ECONNREFUSED" || code === "ENOTSOCK") {
      return new RuntimeError(
        "Unavailable",
        `Cannot reach the hostpod daemon at ${this.socketPath}: ${why}`,
        {
          hint: "start it with `hostpod daemon` (or systemctl start hostpod)",
          cause: e
        }
      );
    }
    if (code === "EACCES" || code === "EPERM") {
      return new RuntimeError(
        "PermissionDenied",
        `Cannot open the hostpod daemon's socket ${this.socketPath}: ${why}`,
        {
          hint: "run as root, or as a member of the daemon's group (its --group setting)",
          cause: e
        }
      );
    }
    if (code === "ECONNRESET" || code === "EPIPE") {
      return new RuntimeError(
        "Unavailable",
        `the hostpod daemon closed the connection during ${method} ${path}`,
        {
          hint: "the daemon may have restarted; run the command again",
          cause: e
        }
      );
    }
    return new RuntimeError(
      "Unavailable",
      `Cannot talk to the hostpod daemon at ${this.socketPath}: ${why}`,
      { cause: e }
    );
  }
};
function podPath(namespace, name) {
  return `/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
}
var MAX_ANSWER = 256 * 1024 * 1024;
async function readAll(res, _body) {
  const chunks = [];
  let size = 0;
  try {
    for await (const c of res) {
      size += c.length;
      if (size > MAX_ANSWER)
        throw new RuntimeError("ResourceExhausted", "the hostpod daemon answered with more than 256 MiB");
      chunks.push(c);
    }
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    throw streamBroken(e);
  }
  return Buffer.concat(chunks).toString("utf8");
}
function parseError(text) {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && v.error && typeof v.error === "object" ? v.error : void 0;
  } catch {
    return void 0;
  }
}
function streamBroken(e) {
  return new RuntimeError("Unavailable", "the connection to the hostpod daemon broke off", {
    hint: "the daemon may have restarted; run the command again",
    ...e === void 0 ? {} : { cause: e }
  });
}
export {
  DEFAULT_SOCKET,
  DaemonClient,
  errorFromApi,
  resolveSocket
};
