import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  yaml
} from "./chunk-TUMEQKHW.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/api/manifests.ts
import { readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { extname, join, relative, resolve } from "node:path";

// src/api/yaml-schema.ts
var BOOL_TRUE = /* @__PURE__ */ new Set(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"]);
var BOOL_FALSE = /* @__PURE__ */ new Set(["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"]);
var NULLS = /* @__PURE__ */ new Set(["", "~", "null", "Null", "NULL"]);
var INT_RE = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|0|[1-9][0-9_]*)$/;
var FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/;
var SPECIAL_FLOATS = {
  ".inf": Number.POSITIVE_INFINITY,
  ".Inf": Number.POSITIVE_INFINITY,
  ".INF": Number.POSITIVE_INFINITY,
  "+.inf": Number.POSITIVE_INFINITY,
  "+.Inf": Number.POSITIVE_INFINITY,
  "+.INF": Number.POSITIVE_INFINITY,
  "-.inf": Number.NEGATIVE_INFINITY,
  "-.Inf": Number.NEGATIVE_INFINITY,
  "-.INF": Number.NEGATIVE_INFINITY,
  ".nan": Number.NaN,
  ".NaN": Number.NaN,
  ".NAN": Number.NaN
};
function parseGoInt(data) {
  if (!INT_RE.test(data)) return void 0;
  const clean = data.replace(/_/g, "");
  const neg = clean.startsWith("-");
  const body = clean.replace(/^[-+]/, "");
  let n;
  if (/^0b/.test(body)) n = BigInt(body);
  else if (/^0x/.test(body)) n = BigInt(body);
  else if (/^0o/.test(body)) n = BigInt(`0o${body.slice(2)}`);
  else if (/^0[0-7]+$/.test(body)) n = BigInt(`0o${body.slice(1)}`);
  else if (/^[0-9]+$/.test(body)) n = BigInt(body);
  else return void 0;
  if (neg) n = -n;
  return Number(n);
}
var nullType = new yaml.Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (data) => NULLS.has(data),
  construct: () => null
});
var boolType = new yaml.Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (data) => BOOL_TRUE.has(data) || BOOL_FALSE.has(data),
  construct: (data) => BOOL_TRUE.has(data)
});
var intType = new yaml.Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (data) => parseGoInt(data) !== void 0,
  construct: (data) => parseGoInt(data)
});
var floatType = new yaml.Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  resolve: (data) => data in SPECIAL_FLOATS || FLOAT_RE.test(data) && /[0-9]/.test(data),
  construct: (data) => SPECIAL_FLOATS[data] ?? Number.parseFloat(data.replace(/_/g, ""))
});
var KUBECTL_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType]
});

// src/api/manifests.ts
var MANIFEST_LIMITS = {
  /** Largest file (or stdin) read. */
  maxFileBytes: 32 * 1024 * 1024,
  /** Most nodes in one document once YAML aliases are expanded ("billion laughs" bombs). */
  maxNodes: 1e6,
  /** Deepest nesting of maps and lists. */
  maxDepth: 200,
  /** Most files read from directories. */
  maxFiles: 1e4
};
var requireCjs = createRequire(import.meta.url);
var yamlLib;
function yaml2() {
  yamlLib ??= requireCjs("yaml");
  return yamlLib;
}
var YAML_OPTIONS = {
  version: "1.1",
  // go-yaml v2 keeps times and sexagesimal numbers as strings; so do we.
  customTags: (tags) => tags.filter(
    (t) => typeof t === "string" || t.format !== "TIME" && t.tag !== "tag:yaml.org,2002:timestamp"
  ),
  uniqueKeys: true
};
async function loadManifests(inputs, options) {
  const result = { documents: [], problems: [] };
  for (const input of inputs) {
    if (input === "-") {
      if (!options.stdin) {
        result.problems.push({ file: "<stdin>", message: "no standard input available" });
        continue;
      }
      const text = await readStream(options.stdin, MANIFEST_LIMITS.maxFileBytes).catch((e) => e);
      if (typeof text !== "string") {
        result.problems.push({ file: "<stdin>", message: problemText(text) });
        continue;
      }
      parseText(text, "<stdin>", result);
      continue;
    }
    const abs = resolve(options.cwd, input);
    const shown = displayName(abs, options.cwd, input);
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      result.problems.push({ file: shown, message: problemText(e) });
      continue;
    }
    if (st.isDirectory()) {
      const files = [];
      await collect(abs, files, result, options.cwd);
      if (files.length === 0)
        result.problems.push({ file: shown, message: "directory holds no *.yaml, *.yml or *.json file" });
      for (const f of files) await loadFile(f, displayName(f, options.cwd, f), result);
    } else {
      await loadFile(abs, shown, result);
    }
  }
  return result;
}
function parseManifestText(text, file) {
  const result = { documents: [], problems: [] };
  parseText(text, file, result);
  return result;
}
function displayName(abs, cwd, given) {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith("..") ? rel : given;
}
function problemText(e) {
  const code = e.code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  if (e instanceof RuntimeError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
async function collect(dir, out, result, cwd) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    result.problems.push({ file: displayName(dir, cwd, dir), message: problemText(e) });
    return;
  }
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const e of entries) {
    if (out.length >= MANIFEST_LIMITS.maxFiles) {
      result.problems.push({
        file: displayName(dir, cwd, dir),
        message: `more than ${MANIFEST_LIMITS.maxFiles} manifest files`
      });
      return;
    }
    const p = join(dir, e.name);
    if (e.isDirectory()) await collect(p, out, result, cwd);
    else if (e.isFile() && [".yaml", ".yml", ".json"].includes(extname(e.name).toLowerCase())) out.push(p);
  }
}
async function loadFile(abs, shown, result) {
  let text;
  try {
    const st = await stat(abs);
    if (st.size > MANIFEST_LIMITS.maxFileBytes) {
      result.problems.push({
        file: shown,
        message: `file is ${st.size} bytes, more than the ${MANIFEST_LIMITS.maxFileBytes}-byte limit`
      });
      return;
    }
    text = await readFile(abs, "utf8");
  } catch (e) {
    result.problems.push({ file: shown, message: problemText(e) });
    return;
  }
  parseText(text, shown, result);
}
async function readStream(stream, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
    size += b.length;
    if (size > limit) throw new RuntimeError("InvalidArgument", `input is more than the ${limit}-byte limit`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}
function parseText(text, file, result) {
  if (text.includes("\0")) {
    result.problems.push({ file, message: "not a text file (contains NUL bytes)" });
    return;
  }
  let values;
  try {
    values = yaml.loadAll(text, void 0, { schema: KUBECTL_SCHEMA, json: false });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      result.problems.push({
        file,
        position: { line: e.mark.line + 1, col: e.mark.column + 1 },
        message: `invalid YAML: ${e.reason}`
      });
      return;
    }
    result.problems.push({ file, message: deepOrOther(e, "cannot parse YAML") });
    return;
  }
  let tree;
  const syntaxTree = () => {
    if (!tree) {
      const Y = yaml2();
      const lines = new Y.LineCounter();
      tree = {
        docs: Y.parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lines }),
        lines
      };
    }
    return tree;
  };
  values.forEach((value, index) => {
    if (value === null || value === void 0) return;
    try {
      checkSize(value, MANIFEST_LIMITS.maxDepth, MANIFEST_LIMITS.maxNodes);
    } catch (e) {
      const t = syntaxTree();
      const start = t.docs[index]?.contents?.range?.[0] ?? 0;
      const pos = t.lines.linePos(start);
      result.problems.push({
        file,
        position: { line: pos.line, col: pos.col },
        message: deepOrOther(e, "cannot read document")
      });
      return;
    }
    result.documents.push({
      file,
      index,
      value,
      locate: (path) => {
        const t = syntaxTree();
        const doc = t.docs[index];
        const p = t.lines.linePos(doc ? locateOffset(doc, path) : 0);
        return { line: p.line, col: p.col };
      }
    });
  });
}
function deepOrOther(e, what) {
  if (e instanceof RangeError) return `${what}: nesting is too deep`;
  if (e instanceof RuntimeError) return e.message;
  return `${what}: ${e instanceof Error ? e.message : String(e)}`;
}
function checkSize(value, maxDepth, maxNodes) {
  const stack = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, d] = stack.pop();
    if (v === null || typeof v !== "object") continue;
    if (d > maxDepth)
      throw new RuntimeError("InvalidArgument", `document is nested more than ${maxDepth} levels deep`);
    const children = Array.isArray(v) ? v : Object.values(v);
    nodes += children.length;
    if (nodes > maxNodes) {
      throw new RuntimeError(
        "InvalidArgument",
        `document expands to more than ${maxNodes} nodes (through YAML aliases, it may be an alias bomb)`
      );
    }
    for (const child of children) stack.push([child, d + 1]);
  }
}
function locateOffset(doc, path) {
  const { isAlias, isMap, isScalar, isSeq } = yaml2();
  let node = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      if (isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (!item) break;
      node = item;
      const r = item.range;
      if (r) offset = r[0];
    } else break;
  }
  return offset;
}

export {
  MANIFEST_LIMITS,
  loadManifests,
  parseManifestText
};
