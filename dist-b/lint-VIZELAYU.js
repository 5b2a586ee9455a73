import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  workloadWarnings
} from "./chunk-B5CNCMXO.js";
import {
  loadManifests
} from "./chunk-GXFOKUN3.js";
import "./chunk-TUMEQKHW.js";
import {
  EXIT
} from "./chunk-Q3JZVMAS.js";
import {
  out
} from "./chunk-WDHOOICP.js";
import {
  Option
} from "./chunk-QNVZHYAH.js";
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
import "./chunk-HJSDXBBU.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/api/pod-security.ts
var POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"];
var BASELINE_CAPABILITIES = /* @__PURE__ */ new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT"
]);
var SAFE_SYSCTLS = /* @__PURE__ */ new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem"
]);
var RESTRICTED_OK_VOLUMES = ["csi", "ephemeral"];
function allContainers(spec) {
  return [...spec.initContainers ?? [], ...spec.containers, ...spec.ephemeralContainers ?? []];
}
function joinQuote(names) {
  return names.map((n) => JSON.stringify(n)).join(", ");
}
function containers(names) {
  return `${names.length === 1 ? "container" : "containers"} ${joinQuote(names)}`;
}
var baseline = {
  windowsHostProcess(spec) {
    const bad = allContainers(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
    const setters = [];
    if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push("pod");
    if (bad.length > 0) setters.push(containers(bad));
    return setters.length > 0 ? {
      reason: "hostProcess",
      detail: `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`
    } : void 0;
  },
  hostNamespaces(spec) {
    const ns = [
      spec.hostIPC && "hostIPC",
      spec.hostNetwork && "hostNetwork",
      spec.hostPID && "hostPID"
    ].filter((x) => typeof x === "string");
    return ns.length > 0 ? { reason: "host namespaces", detail: ns.join(", ") } : void 0;
  },
  privileged(spec) {
    const bad = allContainers(spec).filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
    return bad.length > 0 ? { reason: "privileged", detail: `${containers(bad)} must not set securityContext.privileged=true` } : void 0;
  },
  capabilities_baseline(spec) {
    const bad = [];
    const caps = /* @__PURE__ */ new Set();
    for (const c of allContainers(spec)) {
      const add = (c.securityContext?.capabilities?.add ?? []).filter((a) => !BASELINE_CAPABILITIES.has(a));
      if (add.length > 0) {
        bad.push(c.name);
        for (const a of add) caps.add(a);
      }
    }
    return bad.length > 0 ? {
      reason: "non-default capabilities",
      detail: `${containers(bad)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`
    } : void 0;
  },
  hostPathVolumes(spec) {
    const bad = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
    return bad.length > 0 ? { reason: "hostPath volumes", detail: `${bad.length === 1 ? "volume" : "volumes"} ${joinQuote(bad)}` } : void 0;
  },
  hostPorts(spec) {
    const bad = [];
    const ports = [];
    for (const c of allContainers(spec)) {
      const hp = (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0);
      if (hp.length > 0) {
        bad.push(c.name);
        ports.push(...hp);
      }
    }
    return bad.length > 0 ? {
      reason: "hostPort",
      detail: `${containers(bad)} ${ports.length === 1 ? "uses hostPort" : "use hostPorts"} ${ports.join(", ")}`
    } : void 0;
  },
  procMount(spec) {
    const bad = allContainers(spec).filter((c) => c.securityContext?.procMount !== void 0 && c.securityContext.procMount !== "Default").map((c) => c.name);
    return bad.length > 0 ? {
      reason: "procMount",
      detail: `${containers(bad)} must not set securityContext.procMount to "Unmasked"`
    } : void 0;
  },
  seccompProfile_baseline(spec) {
    const setters = [];
    if (spec.securityContext?.seccompProfile?.type === "Unconfined") setters.push("pod");
    const bad = allContainers(spec).filter((c) => c.securityContext?.seccompProfile?.type === "Unconfined").map((c) => c.name);
    if (bad.length > 0) setters.push(containers(bad));
    return setters.length > 0 ? {
      reason: "seccompProfile",
      detail: `${setters.join(" and ")} must not set securityContext.seccompProfile.type to "Unconfined"`
    } : void 0;
  },
  sysctls(spec) {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
    return bad.length > 0 ? { reason: "forbidden sysctls", detail: bad.join(", ") } : void 0;
  }
};
var restricted = {
  restrictedVolumes(spec) {
    const bad = (spec.volumes ?? []).filter(
      (v) => !(v.configMap || v.downwardAPI || v.emptyDir || v.persistentVolumeClaim || v.projected || v.secret) && !v.otherSources.some((k) => RESTRICTED_OK_VOLUMES.includes(k))
    ).map((v) => v.name).sort();
    return bad.length > 0 ? {
      reason: "restricted volume types",
      detail: `volumes [${bad.map((n) => JSON.stringify(n)).join(" ")}] have restricted types`
    } : void 0;
  },
  allowPrivilegeEscalation(spec) {
    if (spec.os?.name === "windows") return void 0;
    const bad = allContainers(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
    return bad.length > 0 ? {
      reason: "allowPrivilegeEscalation != false",
      detail: `${containers(bad)} must set securityContext.allowPrivilegeEscalation=false`
    } : void 0;
  },
  runAsNonRoot(spec) {
    const podTrue = spec.securityContext?.runAsNonRoot === true;
    const setters = [];
    if (spec.securityContext?.runAsNonRoot === false) setters.push("pod");
    const explicit = allContainers(spec).filter((c) => c.securityContext?.runAsNonRoot === false).map((c) => c.name);
    if (explicit.length > 0) setters.push(containers(explicit));
    if (setters.length > 0) {
      return {
        reason: "runAsNonRoot != true",
        detail: `${setters.join(" and ")} must not set securityContext.runAsNonRoot=false`
      };
    }
    const implicit = allContainers(spec).filter((c) => c.securityContext?.runAsNonRoot === void 0 && !podTrue).map((c) => c.name);
    return implicit.length > 0 ? {
      reason: "runAsNonRoot != true",
      detail: `pod or ${containers(implicit)} must set securityContext.runAsNonRoot=true`
    } : void 0;
  },
  runAsUser(spec) {
    const setters = [];
    if (spec.securityContext?.runAsUser === 0) setters.push("pod");
    const bad = allContainers(spec).filter((c) => c.securityContext?.runAsUser === 0).map((c) => c.name);
    if (bad.length > 0) setters.push(containers(bad));
    return setters.length > 0 ? { reason: "runAsUser=0", detail: `${setters.join(" and ")} must not set runAsUser=0` } : void 0;
  },
  seccompProfile_restricted(spec) {
    if (spec.os?.name === "windows") return void 0;
    const ok = (t) => t === "RuntimeDefault" || t === "Localhost";
    const podOk = ok(spec.securityContext?.seccompProfile?.type);
    const bad = allContainers(spec).filter(
      (c) => c.securityContext?.seccompProfile?.type === void 0 ? !podOk : !ok(c.securityContext.seccompProfile.type)
    ).map((c) => c.name);
    return bad.length > 0 ? {
      reason: "seccompProfile",
      detail: `pod or ${containers(bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`
    } : void 0;
  },
  capabilities_restricted(spec) {
    if (spec.os?.name === "windows") return void 0;
    const noDrop = allContainers(spec).filter((c) => !(c.securityContext?.capabilities?.drop ?? []).includes("ALL")).map((c) => c.name);
    const badAdd = [];
    const caps = /* @__PURE__ */ new Set();
    for (const c of allContainers(spec)) {
      const add = (c.securityContext?.capabilities?.add ?? []).filter((a) => a !== "NET_BIND_SERVICE");
      if (add.length > 0) {
        badAdd.push(c.name);
        for (const a of add) caps.add(a);
      }
    }
    const details = [];
    if (noDrop.length > 0)
      details.push(`${containers(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    if (badAdd.length > 0)
      details.push(
        `${containers(badAdd)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`
      );
    return details.length > 0 ? { reason: "unrestricted capabilities", detail: details.join("; ") } : void 0;
  }
};
function evaluatePodSecurity(spec, level) {
  const violations = [];
  if (level !== "privileged") {
    for (const [check, fn] of Object.entries(baseline)) {
      const r = fn(spec);
      if (r) violations.push({ check, level: "baseline", ...r });
    }
  }
  if (level === "restricted") {
    for (const [check, fn] of Object.entries(restricted)) {
      const r = fn(spec);
      if (r) violations.push({ check, level: "restricted", ...r });
    }
  }
  return { level, allowed: violations.length === 0, violations };
}
function formatPodSecurity(r) {
  if (r.allowed) return `admitted by PodSecurity "${r.level}:latest"`;
  return `violates PodSecurity "${r.level}:latest": ${r.violations.map((v) => `${v.reason} (${v.detail})`).join(", ")}`;
}

// src/api/lint.ts
async function lintInputs(inputs, options) {
  const loaded = await loadManifests(inputs, options);
  return lintDocuments(loaded.documents, loaded.problems, options);
}
var SUPPORT_KINDS = ["ConfigMap", "Secret", "ServiceAccount", "Namespace"];
function lintDocuments(documents, inputProblems, options = {}) {
  const issues = [];
  const objects = [];
  const { objects: found, problems } = findObjects(documents);
  const at = (doc, objectPath, path) => doc.locate([...objectPath, ...path]);
  const label = (o) => `${o.kind}/${o.name ?? `<unnamed #${o.doc.index}${o.objectPath.length > 0 ? formatPath(o.objectPath) : ""}>`}`;
  for (const p of problems) {
    const pos = at(p.doc, [], p.error.path);
    issues.push({
      severity: "error",
      code: p.error.type,
      file: p.doc.file,
      line: pos.line,
      col: pos.col,
      object: `<document ${p.doc.index}>`,
      path: formatPath(p.error.path),
      message: errorBody(p.error)
    });
  }
  for (const o of found) {
    const entry = {
      file: o.doc.file,
      kind: o.kind,
      name: o.name ?? "",
      status: "checked"
    };
    let line;
    Object.defineProperty(entry, "line", {
      enumerable: true,
      get: () => line ??= at(o.doc, o.objectPath, []).line
    });
    objects.push(entry);
    const push = (severity, code, path, message) => {
      const p = at(o.doc, o.objectPath, path);
      issues.push({
        severity,
        code,
        file: o.doc.file,
        line: p.line,
        col: p.col,
        object: label(o),
        path: formatPath(path),
        message
      });
    };
    if (isWorkloadKind(o.kind)) {
      const w = decodeWorkload(
        o,
        options.allowPrivileged === void 0 ? {} : { allowPrivileged: options.allowPrivileged }
      );
      for (const e of w.errors) push("error", e.type, e.path, errorBody(e));
      for (const wn of workloadWarnings(w.pod, w.specPath, w.unknownFields))
        push("warning", wn.code, wn.path, wn.message);
      if (options.podSecurity) entry.podSecurity = evaluatePodSecurity(w.pod.spec, options.podSecurity);
    } else if (o.kind === "ConfigMap" || o.kind === "Secret") {
      const r = o.kind === "ConfigMap" ? decodeConfigMap(o) : decodeSecret(o);
      for (const e of r.errors) push("error", e.type, e.path, errorBody(e));
    } else if (!SUPPORT_KINDS.includes(o.kind)) {
      entry.status = "skipped";
      entry.note = skippedNote(o);
    }
  }
  const errorCount = issues.filter((i) => i.severity === "error").length;
  return {
    issues,
    objects,
    inputProblems: [...inputProblems],
    errorCount,
    warningCount: issues.length - errorCount
  };
}
function skippedNote(o) {
  return `kind ${o.kind} is not a workload hostpod runs nor one it reads for volumes or env`;
}

// src/cli/commands/lint.ts
function formatLintText(r) {
  const lines = [];
  for (const p of r.inputProblems) {
    const where = p.position ? `${p.file}:${p.position.line}:${p.position.col}` : p.file;
    lines.push(`${where}  error: ${p.message}`);
  }
  const issues = [...r.issues].sort(
    (a, b) => a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1
  );
  for (const i of issues) {
    const msg = i.severity === "warning" ? `warning ${i.code}: ${i.message}` : i.message;
    lines.push(`${i.file}:${i.line}:${i.col}  ${i.path}: ${msg}`);
  }
  let denied = 0;
  for (const o of r.objects) {
    if (o.status === "skipped")
      lines.push(`${o.file}:${o.line}:1  ${o.kind}/${o.name}: skipped: ${o.note ?? ""}`);
    if (o.podSecurity) {
      if (!o.podSecurity.allowed) denied++;
      lines.push(`${o.file}:${o.line}:1  ${o.kind}/${o.name}: ${formatPodSecurity(o.podSecurity)}`);
    }
  }
  const checked = r.objects.filter((o) => o.status === "checked").length;
  const skipped = r.objects.length - checked;
  const parts = [
    `${r.errorCount} ${r.errorCount === 1 ? "error" : "errors"}`,
    `${r.warningCount} ${r.warningCount === 1 ? "warning" : "warnings"}`
  ];
  if (r.inputProblems.length > 0)
    parts.unshift(
      `${r.inputProblems.length} unreadable ${r.inputProblems.length === 1 ? "input" : "inputs"}`
    );
  if (r.objects.some((o) => o.podSecurity)) parts.push(`${denied} denied by Pod Security`);
  lines.push(
    `${parts.join(", ")} in ${checked} ${checked === 1 ? "object" : "objects"}${skipped ? ` (${skipped} skipped)` : ""}`
  );
  return lines;
}
function lintExitCode(r) {
  if (r.inputProblems.length > 0) return EXIT.usage;
  if (r.errorCount > 0 || r.objects.some((o) => o.podSecurity && !o.podSecurity.allowed)) return EXIT.failure;
  return EXIT.ok;
}
function registerLint(program, ctx) {
  program.command("lint").summary("validate HostProcess manifests exactly as the Kubernetes API server does").description(
    "Validate Pod, DaemonSet, Deployment, ReplicaSet, StatefulSet, Job and CronJob manifests (YAML or JSON;\ndirectories are read recursively; - reads stdin) with the API server's HostProcess and pod rules,\nfield paths and messages, plus hostpod's warnings for HostProcess pitfalls (docs/lint.md).\n\nExit codes: 0 no error, 1 errors found (or denied by --pod-security), 2 unusable input."
  ).argument("<inputs...>", "files, directories, or - for stdin").addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text")).addOption(
    new Option("--pod-security <level>", "also evaluate the Pod Security Standards at this level").choices([
      ...POD_SECURITY_LEVELS
    ])
  ).option("--no-allow-privileged", "lint as an API server started with --allow-privileged=false").action(
    async (inputs, opts) => {
      const result = await lintInputs(inputs, {
        cwd: ctx.cwd,
        stdin: ctx.stdin,
        allowPrivileged: opts.allowPrivileged,
        ...opts.podSecurity ? { podSecurity: opts.podSecurity } : {}
      });
      if (opts.output === "json") out(ctx, JSON.stringify(result, null, 2));
      else for (const line of formatLintText(result)) out(ctx, line);
      ctx.exitCode = lintExitCode(result);
    }
  );
}
export {
  formatLintText,
  lintExitCode,
  registerLint
};
