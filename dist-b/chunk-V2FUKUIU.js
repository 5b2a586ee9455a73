import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  compareQuantity,
  isNegative,
  parseQuantity
} from "./chunk-EZCFANLO.js";
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  envVarNameErrors,
  labelValueErrors,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors
} from "./chunk-HJSDXBBU.js";

// src/api/field-path.ts
function formatPath(path) {
  let s = "";
  for (const seg of path) {
    if (typeof seg === "number") s += `[${seg}]`;
    else s += s === "" ? seg : `.${seg}`;
  }
  return s === "" ? "<root>" : s;
}
var TYPE_WORDS = {
  Invalid: "Invalid value",
  Required: "Required value",
  Forbidden: "Forbidden",
  Duplicate: "Duplicate value",
  NotSupported: "Unsupported value",
  NotFound: "Not found",
  TooLong: "Too long",
  TooMany: "Too many",
  TypeInvalid: "Invalid value"
};
function renderValue(value) {
  if (typeof value === "string") return goQuote(value);
  if (value === void 0 || value === null) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object") {
    try {
      const json = JSON.stringify(value);
      return json.length > 200 ? `${json.slice(0, 200)}\u2026` : json;
    } catch {
      return "<unprintable>";
    }
  }
  return String(value);
}
function goQuote(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "	") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 32 || c === 127) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}
function invalid(path, value, detail) {
  return { type: "Invalid", path, value, detail };
}
function required(path, detail = "") {
  return { type: "Required", path, detail };
}
function forbidden(path, detail) {
  return { type: "Forbidden", path, detail };
}
function duplicate(path, value) {
  return { type: "Duplicate", path, value, detail: "" };
}
function notFound(path, value) {
  return { type: "NotFound", path, value, detail: "" };
}
function notSupported(path, value, supported) {
  return {
    type: "NotSupported",
    path,
    value,
    detail: supported.length > 0 ? `supported values: ${supported.map(goQuote).join(", ")}` : ""
  };
}
function typeInvalid(path, value, expected) {
  return { type: "TypeInvalid", path, value, detail: `must be ${expected}` };
}
function errorBody(e) {
  const words = TYPE_WORDS[e.type];
  switch (e.type) {
    case "Required":
    case "Forbidden":
    case "TooLong":
    case "TooMany":
      return e.detail ? `${words}: ${e.detail}` : words;
    default: {
      const v = `${words}: ${renderValue(e.value)}`;
      return e.detail ? `${v}: ${e.detail}` : v;
    }
  }
}

// src/api/decoder.ts
var Decoder = class {
  errors = [];
  /** Paths of fields that the API does not define for their object. */
  unknownFields = [];
  /** Reads a map/object; returns undefined (and records an error) for other types. */
  obj(v, path, known) {
    if (v === void 0 || v === null) return void 0;
    if (typeof v !== "object" || Array.isArray(v)) {
      this.errors.push(typeInvalid(path, v, "an object"));
      return void 0;
    }
    const o = v;
    if (known) {
      for (const k of Object.keys(o)) if (!known.includes(k)) this.unknownFields.push([...path, k]);
    }
    return o;
  }
  str(v, path) {
    if (v === void 0 || v === null) return void 0;
    if (typeof v !== "string") {
      this.errors.push(typeInvalid(path, v, "a string"));
      return void 0;
    }
    return v;
  }
  bool(v, path) {
    if (v === void 0 || v === null) return void 0;
    if (typeof v !== "boolean") {
      this.errors.push(typeInvalid(path, v, "a boolean (true or false)"));
      return void 0;
    }
    return v;
  }
  /** An integer in the int64 range representable exactly (|n| ≤ 2^53). */
  int(v, path, bits = 32) {
    if (v === void 0 || v === null) return void 0;
    const limit = bits === 32 ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
    if (typeof v !== "number" || !Number.isInteger(v) || v >= limit || v < -limit) {
      this.errors.push(typeInvalid(path, v, bits === 32 ? "a 32-bit integer" : "an integer"));
      return void 0;
    }
    return v;
  }
  /** A number or a string (an IntOrString field such as a probe port). */
  intOrString(v, path) {
    if (v === void 0 || v === null) return void 0;
    if (typeof v === "string") return v;
    return this.int(v, path);
  }
  arr(v, path, item) {
    if (v === void 0 || v === null) return void 0;
    if (!Array.isArray(v)) {
      this.errors.push(typeInvalid(path, v, "a list"));
      return void 0;
    }
    const out = [];
    v.forEach((x, i) => {
      const r = item(x, [...path, i]);
      if (r !== void 0) out.push(r);
    });
    return out;
  }
  strArr(v, path) {
    return this.arr(v, path, (x, p) => this.str(x, p));
  }
  /** A map of string to string (labels, annotations, nodeSelector, ConfigMap data). */
  strMap(v, path) {
    const o = this.obj(v, path);
    if (!o) return void 0;
    const out = {};
    for (const [k, x] of Object.entries(o)) {
      const s = this.str(x, [...path, k]);
      if (s !== void 0) out[k] = s;
    }
    return out;
  }
  quantity(v, path) {
    if (v === void 0 || v === null) return void 0;
    if (typeof v !== "string" && typeof v !== "number") {
      this.errors.push(typeInvalid(path, v, 'a quantity (a string such as "500m" or "64Mi", or a number)'));
      return void 0;
    }
    const r = parseQuantity(v);
    if (!r.ok) {
      this.errors.push({ type: "Invalid", path, value: v, detail: r.message });
      return void 0;
    }
    return r.value;
  }
  quantityMap(v, path) {
    const o = this.obj(v, path);
    if (!o) return void 0;
    const out = {};
    for (const [k, x] of Object.entries(o)) {
      const q = this.quantity(x, [...path, k]);
      if (q !== void 0) out[k] = q;
    }
    return out;
  }
};
function defined(src) {
  const out = {};
  for (const [k, v] of Object.entries(src)) if (v !== void 0) out[k] = v;
  return out;
}

// src/api/defaults.ts
var DEFAULT_RESTART_POLICY = "Always";
var DEFAULT_DNS_POLICY = "ClusterFirst";
var DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
var DEFAULT_SCHEDULER_NAME = "default-scheduler";
var DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";
var DEFAULT_TERMINATION_MESSAGE_POLICY = "File";
var DEFAULT_PROTOCOL = "TCP";
var DEFAULT_VOLUME_MODE = 420;
var DEFAULT_PROBE = {
  initialDelaySeconds: 0,
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3
};
var DEFAULT_SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 3600;
function defaultImagePullPolicy(image) {
  if (!image) return "IfNotPresent";
  if (image.includes("@")) return "IfNotPresent";
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  if (colon < 0) return "Always";
  return image.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

// src/api/decode-pod.ts
var META_FIELDS = [
  "name",
  "generateName",
  "namespace",
  "uid",
  "labels",
  "annotations",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "ownerReferences",
  "finalizers",
  "managedFields",
  "selfLink"
];
function decodeMeta(d, v, path) {
  const o = d.obj(v, path, META_FIELDS);
  if (!o) return {};
  return defined({
    name: d.str(o.name, [...path, "name"]),
    generateName: d.str(o.generateName, [...path, "generateName"]),
    namespace: d.str(o.namespace, [...path, "namespace"]),
    uid: d.str(o.uid, [...path, "uid"]),
    labels: d.strMap(o.labels, [...path, "labels"]),
    annotations: d.strMap(o.annotations, [...path, "annotations"])
  });
}
function windowsOptions(d, v, path) {
  const o = d.obj(v, path, ["gmsaCredentialSpecName", "gmsaCredentialSpec", "runAsUserName", "hostProcess"]);
  if (!o) return void 0;
  return defined({
    gmsaCredentialSpecName: d.str(o.gmsaCredentialSpecName, [...path, "gmsaCredentialSpecName"]),
    gmsaCredentialSpec: d.str(o.gmsaCredentialSpec, [...path, "gmsaCredentialSpec"]),
    runAsUserName: d.str(o.runAsUserName, [...path, "runAsUserName"]),
    hostProcess: d.bool(o.hostProcess, [...path, "hostProcess"])
  });
}
function common(d, o, path) {
  const seccomp = d.obj(o.seccompProfile, [...path, "seccompProfile"], ["type", "localhostProfile"]);
  const apparmor = d.obj(o.appArmorProfile, [...path, "appArmorProfile"], ["type", "localhostProfile"]);
  return {
    windowsOptions: windowsOptions(d, o.windowsOptions, [...path, "windowsOptions"]),
    runAsUser: d.int(o.runAsUser, [...path, "runAsUser"], 64),
    runAsGroup: d.int(o.runAsGroup, [...path, "runAsGroup"], 64),
    runAsNonRoot: d.bool(o.runAsNonRoot, [...path, "runAsNonRoot"]),
    seLinuxOptions: d.strMap(o.seLinuxOptions, [...path, "seLinuxOptions"]),
    seccompProfile: seccomp ? defined({
      type: d.str(seccomp.type, [...path, "seccompProfile", "type"]),
      localhostProfile: d.str(seccomp.localhostProfile, [...path, "seccompProfile", "localhostProfile"])
    }) : void 0,
    appArmorProfile: apparmor ? defined({
      type: d.str(apparmor.type, [...path, "appArmorProfile", "type"]),
      localhostProfile: d.str(apparmor.localhostProfile, [
        ...path,
        "appArmorProfile",
        "localhostProfile"
      ])
    }) : void 0
  };
}
var COMMON_SC = [
  "windowsOptions",
  "runAsUser",
  "runAsGroup",
  "runAsNonRoot",
  "seLinuxOptions",
  "seccompProfile",
  "appArmorProfile"
];
function podSecurityContext(d, v, path) {
  const o = d.obj(v, path, [
    ...COMMON_SC,
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "sysctls",
    "seLinuxChangePolicy"
  ]);
  if (!o) return void 0;
  return defined({
    ...common(d, o, path),
    fsGroup: d.int(o.fsGroup, [...path, "fsGroup"], 64),
    fsGroupChangePolicy: d.str(o.fsGroupChangePolicy, [...path, "fsGroupChangePolicy"]),
    supplementalGroups: d.arr(
      o.supplementalGroups,
      [...path, "supplementalGroups"],
      (x, p) => d.int(x, p, 64)
    ),
    supplementalGroupsPolicy: d.str(o.supplementalGroupsPolicy, [...path, "supplementalGroupsPolicy"]),
    sysctls: d.arr(o.sysctls, [...path, "sysctls"], (x, p) => {
      const s = d.obj(x, p, ["name", "value"]);
      return s ? { name: d.str(s.name, [...p, "name"]) ?? "", value: d.str(s.value, [...p, "value"]) ?? "" } : void 0;
    }),
    seLinuxChangePolicy: d.str(o.seLinuxChangePolicy, [...path, "seLinuxChangePolicy"])
  });
}
function securityContext(d, v, path) {
  const o = d.obj(v, path, [
    ...COMMON_SC,
    "privileged",
    "allowPrivilegeEscalation",
    "capabilities",
    "readOnlyRootFilesystem",
    "procMount"
  ]);
  if (!o) return void 0;
  const caps = d.obj(o.capabilities, [...path, "capabilities"], ["add", "drop"]);
  return defined({
    ...common(d, o, path),
    privileged: d.bool(o.privileged, [...path, "privileged"]),
    allowPrivilegeEscalation: d.bool(o.allowPrivilegeEscalation, [...path, "allowPrivilegeEscalation"]),
    capabilities: caps ? defined({
      add: d.strArr(caps.add, [...path, "capabilities", "add"]),
      drop: d.strArr(caps.drop, [...path, "capabilities", "drop"])
    }) : void 0,
    readOnlyRootFilesystem: d.bool(o.readOnlyRootFilesystem, [...path, "readOnlyRootFilesystem"]),
    procMount: d.str(o.procMount, [...path, "procMount"])
  });
}
function keySelector(d, v, path) {
  const o = d.obj(v, path, ["name", "key", "optional"]);
  if (!o) return void 0;
  return defined({
    name: d.str(o.name, [...path, "name"]),
    key: d.str(o.key, [...path, "key"]) ?? "",
    optional: d.bool(o.optional, [...path, "optional"])
  });
}
function fieldSelector(d, v, path) {
  const o = d.obj(v, path, ["apiVersion", "fieldPath"]);
  if (!o) return void 0;
  return {
    apiVersion: d.str(o.apiVersion, [...path, "apiVersion"]) ?? "v1",
    fieldPath: d.str(o.fieldPath, [...path, "fieldPath"]) ?? ""
  };
}
function resourceSelector(d, v, path) {
  const o = d.obj(v, path, ["containerName", "resource", "divisor"]);
  if (!o) return void 0;
  return defined({
    containerName: d.str(o.containerName, [...path, "containerName"]),
    resource: d.str(o.resource, [...path, "resource"]) ?? "",
    divisor: d.quantity(o.divisor, [...path, "divisor"])
  });
}
function envVar(d, v, path) {
  const o = d.obj(v, path, ["name", "value", "valueFrom"]);
  if (!o) return void 0;
  const vf = d.obj(
    o.valueFrom,
    [...path, "valueFrom"],
    ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef"]
  );
  const vp = [...path, "valueFrom"];
  return defined({
    name: d.str(o.name, [...path, "name"]) ?? "",
    value: d.str(o.value, [...path, "value"]),
    valueFrom: vf ? defined({
      fieldRef: fieldSelector(d, vf.fieldRef, [...vp, "fieldRef"]),
      resourceFieldRef: resourceSelector(d, vf.resourceFieldRef, [...vp, "resourceFieldRef"]),
      configMapKeyRef: keySelector(d, vf.configMapKeyRef, [...vp, "configMapKeyRef"]),
      secretKeyRef: keySelector(d, vf.secretKeyRef, [...vp, "secretKeyRef"])
    }) : void 0
  });
}
function envFrom(d, v, path) {
  const o = d.obj(v, path, ["prefix", "configMapRef", "secretRef"]);
  if (!o) return void 0;
  const ref = (x, p) => {
    const r = d.obj(x, p, ["name", "optional"]);
    return r ? defined({
      name: d.str(r.name, [...p, "name"]),
      optional: d.bool(r.optional, [...p, "optional"])
    }) : void 0;
  };
  return defined({
    prefix: d.str(o.prefix, [...path, "prefix"]),
    configMapRef: ref(o.configMapRef, [...path, "configMapRef"]),
    secretRef: ref(o.secretRef, [...path, "secretRef"])
  });
}
function port(d, v, path) {
  const o = d.obj(v, path, ["name", "containerPort", "hostPort", "protocol", "hostIP"]);
  if (!o) return void 0;
  return defined({
    name: d.str(o.name, [...path, "name"]),
    containerPort: d.int(o.containerPort, [...path, "containerPort"]) ?? 0,
    hostPort: d.int(o.hostPort, [...path, "hostPort"]),
    protocol: d.str(o.protocol, [...path, "protocol"]) ?? DEFAULT_PROTOCOL,
    hostIP: d.str(o.hostIP, [...path, "hostIP"])
  });
}
function volumeMount(d, v, path) {
  const o = d.obj(v, path, [
    "name",
    "mountPath",
    "readOnly",
    "subPath",
    "subPathExpr",
    "mountPropagation",
    "recursiveReadOnly"
  ]);
  if (!o) return void 0;
  return defined({
    name: d.str(o.name, [...path, "name"]) ?? "",
    mountPath: d.str(o.mountPath, [...path, "mountPath"]) ?? "",
    readOnly: d.bool(o.readOnly, [...path, "readOnly"]),
    subPath: d.str(o.subPath, [...path, "subPath"]),
    subPathExpr: d.str(o.subPathExpr, [...path, "subPathExpr"]),
    mountPropagation: d.str(o.mountPropagation, [...path, "mountPropagation"])
  });
}
var HANDLER_FIELDS = ["exec", "httpGet", "tcpSocket", "grpc", "sleep"];
function handler(d, o, path) {
  const exec = d.obj(o.exec, [...path, "exec"], ["command"]);
  const http = d.obj(o.httpGet, [...path, "httpGet"], ["path", "port", "host", "scheme", "httpHeaders"]);
  const tcp = d.obj(o.tcpSocket, [...path, "tcpSocket"], ["port", "host"]);
  const grpc = d.obj(o.grpc, [...path, "grpc"], ["port", "service"]);
  const sleep = d.obj(o.sleep, [...path, "sleep"], ["seconds"]);
  const hp = [...path, "httpGet"];
  return defined({
    exec: exec ? defined({ command: d.strArr(exec.command, [...path, "exec", "command"]) }) : void 0,
    httpGet: http ? defined({
      path: d.str(http.path, [...hp, "path"]),
      port: d.intOrString(http.port, [...hp, "port"]) ?? 0,
      host: d.str(http.host, [...hp, "host"]),
      scheme: d.str(http.scheme, [...hp, "scheme"]) ?? "HTTP",
      httpHeaders: d.arr(http.httpHeaders, [...hp, "httpHeaders"], (x, p) => {
        const h = d.obj(x, p, ["name", "value"]);
        return h ? { name: d.str(h.name, [...p, "name"]) ?? "", value: d.str(h.value, [...p, "value"]) ?? "" } : void 0;
      })
    }) : void 0,
    tcpSocket: tcp ? defined({
      port: d.intOrString(tcp.port, [...path, "tcpSocket", "port"]) ?? 0,
      host: d.str(tcp.host, [...path, "tcpSocket", "host"])
    }) : void 0,
    grpc: grpc ? defined({
      port: d.int(grpc.port, [...path, "grpc", "port"]) ?? 0,
      service: d.str(grpc.service, [...path, "grpc", "service"])
    }) : void 0,
    sleep: sleep ? { seconds: d.int(sleep.seconds, [...path, "sleep", "seconds"], 64) ?? 0 } : void 0
  });
}
function probe(d, v, path) {
  const o = d.obj(v, path, [
    ...HANDLER_FIELDS,
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds"
  ]);
  if (!o) return void 0;
  return defined({
    ...handler(d, o, path),
    initialDelaySeconds: d.int(o.initialDelaySeconds, [...path, "initialDelaySeconds"]) ?? DEFAULT_PROBE.initialDelaySeconds,
    timeoutSeconds: d.int(o.timeoutSeconds, [...path, "timeoutSeconds"]) ?? DEFAULT_PROBE.timeoutSeconds,
    periodSeconds: d.int(o.periodSeconds, [...path, "periodSeconds"]) ?? DEFAULT_PROBE.periodSeconds,
    successThreshold: d.int(o.successThreshold, [...path, "successThreshold"]) ?? DEFAULT_PROBE.successThreshold,
    failureThreshold: d.int(o.failureThreshold, [...path, "failureThreshold"]) ?? DEFAULT_PROBE.failureThreshold,
    terminationGracePeriodSeconds: d.int(
      o.terminationGracePeriodSeconds,
      [...path, "terminationGracePeriodSeconds"],
      64
    )
  });
}
function lifecycle(d, v, path) {
  const o = d.obj(v, path, ["postStart", "preStop", "stopSignal"]);
  if (!o) return void 0;
  const h = (x, p) => {
    const ho = d.obj(x, p, HANDLER_FIELDS);
    return ho ? handler(d, ho, p) : void 0;
  };
  return defined({
    postStart: h(o.postStart, [...path, "postStart"]),
    preStop: h(o.preStop, [...path, "preStop"])
  });
}
var CONTAINER_FIELDS = [
  "name",
  "image",
  "command",
  "args",
  "workingDir",
  "ports",
  "envFrom",
  "env",
  "resources",
  "resizePolicy",
  "restartPolicy",
  "restartPolicyRules",
  "volumeMounts",
  "volumeDevices",
  "livenessProbe",
  "readinessProbe",
  "startupProbe",
  "lifecycle",
  "terminationMessagePath",
  "terminationMessagePolicy",
  "imagePullPolicy",
  "securityContext",
  "stdin",
  "stdinOnce",
  "tty"
];
function decodeContainer(d, v, path, ephemeral = false) {
  const o = d.obj(v, path, ephemeral ? [...CONTAINER_FIELDS, "targetContainerName"] : CONTAINER_FIELDS);
  if (!o) return void 0;
  const image = d.str(o.image, [...path, "image"]);
  const res = d.obj(o.resources, [...path, "resources"], ["limits", "requests", "claims"]);
  return defined({
    name: d.str(o.name, [...path, "name"]) ?? "",
    image,
    command: d.strArr(o.command, [...path, "command"]),
    args: d.strArr(o.args, [...path, "args"]),
    workingDir: d.str(o.workingDir, [...path, "workingDir"]),
    ports: d.arr(o.ports, [...path, "ports"], (x, p) => port(d, x, p)),
    envFrom: d.arr(o.envFrom, [...path, "envFrom"], (x, p) => envFrom(d, x, p)),
    env: d.arr(o.env, [...path, "env"], (x, p) => envVar(d, x, p)),
    resources: res ? defined({
      limits: d.quantityMap(res.limits, [...path, "resources", "limits"]),
      requests: d.quantityMap(res.requests, [...path, "resources", "requests"])
    }) : void 0,
    restartPolicy: d.str(o.restartPolicy, [...path, "restartPolicy"]),
    volumeMounts: d.arr(o.volumeMounts, [...path, "volumeMounts"], (x, p) => volumeMount(d, x, p)),
    livenessProbe: probe(d, o.livenessProbe, [...path, "livenessProbe"]),
    readinessProbe: probe(d, o.readinessProbe, [...path, "readinessProbe"]),
    startupProbe: probe(d, o.startupProbe, [...path, "startupProbe"]),
    lifecycle: lifecycle(d, o.lifecycle, [...path, "lifecycle"]),
    terminationMessagePath: d.str(o.terminationMessagePath, [...path, "terminationMessagePath"]) ?? DEFAULT_TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: d.str(o.terminationMessagePolicy, [...path, "terminationMessagePolicy"]) ?? DEFAULT_TERMINATION_MESSAGE_POLICY,
    imagePullPolicy: d.str(o.imagePullPolicy, [...path, "imagePullPolicy"]) ?? defaultImagePullPolicy(image),
    securityContext: securityContext(d, o.securityContext, [...path, "securityContext"]),
    stdin: d.bool(o.stdin, [...path, "stdin"]),
    tty: d.bool(o.tty, [...path, "tty"]),
    targetContainerName: ephemeral ? d.str(o.targetContainerName, [...path, "targetContainerName"]) : void 0
  });
}
function keyToPaths(d, v, path) {
  return d.arr(v, path, (x, p) => {
    const o = d.obj(x, p, ["key", "path", "mode"]);
    return o ? defined({
      key: d.str(o.key, [...p, "key"]) ?? "",
      path: d.str(o.path, [...p, "path"]) ?? "",
      mode: d.int(o.mode, [...p, "mode"])
    }) : void 0;
  });
}
function downwardItems(d, v, path) {
  return d.arr(v, path, (x, p) => {
    const o = d.obj(x, p, ["path", "fieldRef", "resourceFieldRef", "mode"]);
    return o ? defined({
      path: d.str(o.path, [...p, "path"]) ?? "",
      fieldRef: fieldSelector(d, o.fieldRef, [...p, "fieldRef"]),
      resourceFieldRef: resourceSelector(d, o.resourceFieldRef, [...p, "resourceFieldRef"]),
      mode: d.int(o.mode, [...p, "mode"])
    }) : void 0;
  });
}
var VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image"
];
var SUPPORTED_VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "secret",
  "persistentVolumeClaim",
  "downwardAPI",
  "configMap",
  "projected"
];
function volume(d, v, path) {
  const o = d.obj(v, path, ["name", ...VOLUME_SOURCES]);
  if (!o) return void 0;
  const p = (k) => [...path, k];
  const ed = d.obj(o.emptyDir, p("emptyDir"), ["medium", "sizeLimit"]);
  const hp = d.obj(o.hostPath, p("hostPath"), ["path", "type"]);
  const cm = d.obj(o.configMap, p("configMap"), ["name", "items", "defaultMode", "optional"]);
  const sec = d.obj(o.secret, p("secret"), ["secretName", "items", "defaultMode", "optional"]);
  const dw = d.obj(o.downwardAPI, p("downwardAPI"), ["items", "defaultMode"]);
  const pj = d.obj(o.projected, p("projected"), ["sources", "defaultMode"]);
  const pvc = d.obj(o.persistentVolumeClaim, p("persistentVolumeClaim"), ["claimName", "readOnly"]);
  const others = VOLUME_SOURCES.filter(
    (k) => !SUPPORTED_VOLUME_SOURCES.includes(k) && o[k] !== void 0 && o[k] !== null
  );
  return defined({
    name: d.str(o.name, p("name")) ?? "",
    emptyDir: ed ? defined({
      medium: d.str(ed.medium, [...p("emptyDir"), "medium"]),
      sizeLimit: d.quantity(ed.sizeLimit, [...p("emptyDir"), "sizeLimit"])
    }) : void 0,
    hostPath: hp ? {
      path: d.str(hp.path, [...p("hostPath"), "path"]) ?? "",
      type: d.str(hp.type, [...p("hostPath"), "type"]) ?? ""
    } : void 0,
    configMap: cm ? defined({
      name: d.str(cm.name, [...p("configMap"), "name"]),
      items: keyToPaths(d, cm.items, [...p("configMap"), "items"]),
      defaultMode: d.int(cm.defaultMode, [...p("configMap"), "defaultMode"]) ?? DEFAULT_VOLUME_MODE,
      optional: d.bool(cm.optional, [...p("configMap"), "optional"])
    }) : void 0,
    secret: sec ? defined({
      secretName: d.str(sec.secretName, [...p("secret"), "secretName"]),
      items: keyToPaths(d, sec.items, [...p("secret"), "items"]),
      defaultMode: d.int(sec.defaultMode, [...p("secret"), "defaultMode"]) ?? DEFAULT_VOLUME_MODE,
      optional: d.bool(sec.optional, [...p("secret"), "optional"])
    }) : void 0,
    downwardAPI: dw ? defined({
      items: downwardItems(d, dw.items, [...p("downwardAPI"), "items"]),
      defaultMode: d.int(dw.defaultMode, [...p("downwardAPI"), "defaultMode"]) ?? DEFAULT_VOLUME_MODE
    }) : void 0,
    projected: pj ? defined({
      sources: d.arr(pj.sources, [...p("projected"), "sources"], (x, sp) => projection(d, x, sp)),
      defaultMode: d.int(pj.defaultMode, [...p("projected"), "defaultMode"]) ?? DEFAULT_VOLUME_MODE
    }) : void 0,
    persistentVolumeClaim: pvc ? defined({
      claimName: d.str(pvc.claimName, [...p("persistentVolumeClaim"), "claimName"]) ?? "",
      readOnly: d.bool(pvc.readOnly, [...p("persistentVolumeClaim"), "readOnly"])
    }) : void 0,
    otherSources: others
  });
}
function projection(d, v, path) {
  const o = d.obj(v, path, [
    "configMap",
    "secret",
    "downwardAPI",
    "serviceAccountToken",
    "clusterTrustBundle",
    "podCertificate"
  ]);
  if (!o) return void 0;
  const ref = (k) => {
    const r = d.obj(o[k], [...path, k], ["name", "items", "optional"]);
    return r ? defined({
      name: d.str(r.name, [...path, k, "name"]),
      items: keyToPaths(d, r.items, [...path, k, "items"]),
      optional: d.bool(r.optional, [...path, k, "optional"])
    }) : void 0;
  };
  const dw = d.obj(o.downwardAPI, [...path, "downwardAPI"], ["items"]);
  const sat = d.obj(
    o.serviceAccountToken,
    [...path, "serviceAccountToken"],
    ["audience", "expirationSeconds", "path"]
  );
  const sp = [...path, "serviceAccountToken"];
  return defined({
    configMap: ref("configMap"),
    secret: ref("secret"),
    downwardAPI: dw ? defined({ items: downwardItems(d, dw.items, [...path, "downwardAPI", "items"]) }) : void 0,
    serviceAccountToken: sat ? defined({
      audience: d.str(sat.audience, [...sp, "audience"]),
      expirationSeconds: d.int(sat.expirationSeconds, [...sp, "expirationSeconds"], 64) ?? DEFAULT_SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS,
      path: d.str(sat.path, [...sp, "path"]) ?? ""
    }) : void 0,
    clusterTrustBundle: d.obj(o.clusterTrustBundle, [...path, "clusterTrustBundle"])
  });
}
function selectorTerm(d, v, path) {
  const o = d.obj(v, path, ["matchExpressions", "matchFields"]);
  if (!o) return void 0;
  const reqs = (x, p) => d.arr(x, p, (r, rp) => {
    const ro = d.obj(r, rp, ["key", "operator", "values"]);
    return ro ? defined({
      key: d.str(ro.key, [...rp, "key"]) ?? "",
      operator: d.str(ro.operator, [...rp, "operator"]) ?? "",
      values: d.strArr(ro.values, [...rp, "values"])
    }) : void 0;
  });
  return defined({
    matchExpressions: reqs(o.matchExpressions, [...path, "matchExpressions"]),
    matchFields: reqs(o.matchFields, [...path, "matchFields"])
  });
}
function affinity(d, v, path) {
  const o = d.obj(v, path, ["nodeAffinity", "podAffinity", "podAntiAffinity"]);
  if (!o) return void 0;
  const np = [...path, "nodeAffinity"];
  const na = d.obj(o.nodeAffinity, np, [
    "requiredDuringSchedulingIgnoredDuringExecution",
    "preferredDuringSchedulingIgnoredDuringExecution"
  ]);
  if (!na) return {};
  const rp = [...np, "requiredDuringSchedulingIgnoredDuringExecution"];
  const req = d.obj(na.requiredDuringSchedulingIgnoredDuringExecution, rp, ["nodeSelectorTerms"]);
  const pp = [...np, "preferredDuringSchedulingIgnoredDuringExecution"];
  return {
    nodeAffinity: defined({
      requiredDuringSchedulingIgnoredDuringExecution: req ? {
        nodeSelectorTerms: d.arr(req.nodeSelectorTerms, [...rp, "nodeSelectorTerms"], (x, p) => selectorTerm(d, x, p)) ?? []
      } : void 0,
      preferredDuringSchedulingIgnoredDuringExecution: d.arr(
        na.preferredDuringSchedulingIgnoredDuringExecution,
        pp,
        (x, p) => {
          const w = d.obj(x, p, ["weight", "preference"]);
          if (!w) return void 0;
          return {
            weight: d.int(w.weight, [...p, "weight"]) ?? 0,
            preference: selectorTerm(d, w.preference, [...p, "preference"]) ?? {}
          };
        }
      )
    })
  };
}
function toleration(d, v, path) {
  const o = d.obj(v, path, ["key", "operator", "value", "effect", "tolerationSeconds"]);
  if (!o) return void 0;
  return defined({
    key: d.str(o.key, [...path, "key"]),
    operator: d.str(o.operator, [...path, "operator"]),
    value: d.str(o.value, [...path, "value"]),
    effect: d.str(o.effect, [...path, "effect"]),
    tolerationSeconds: d.int(o.tolerationSeconds, [...path, "tolerationSeconds"], 64)
  });
}
var POD_SPEC_FIELDS = [
  "volumes",
  "initContainers",
  "containers",
  "ephemeralContainers",
  "restartPolicy",
  "terminationGracePeriodSeconds",
  "activeDeadlineSeconds",
  "dnsPolicy",
  "nodeSelector",
  "serviceAccountName",
  "serviceAccount",
  "automountServiceAccountToken",
  "nodeName",
  "hostNetwork",
  "hostPID",
  "hostIPC",
  "shareProcessNamespace",
  "securityContext",
  "imagePullSecrets",
  "hostname",
  "subdomain",
  "affinity",
  "schedulerName",
  "tolerations",
  "hostAliases",
  "priorityClassName",
  "priority",
  "dnsConfig",
  "readinessGates",
  "runtimeClassName",
  "enableServiceLinks",
  "preemptionPolicy",
  "overhead",
  "topologySpreadConstraints",
  "setHostnameAsFQDN",
  "os",
  "hostUsers",
  "schedulingGates",
  "resourceClaims",
  "resources",
  "hostnameOverride"
];
function decodePodSpec(d, v, path) {
  const o = d.obj(v, path, POD_SPEC_FIELDS) ?? {};
  const p = (k) => [...path, k];
  const os = d.obj(o.os, p("os"), ["name"]);
  const hostNetwork = d.bool(o.hostNetwork, p("hostNetwork"));
  return defined({
    volumes: d.arr(o.volumes, p("volumes"), (x, vp) => volume(d, x, vp)),
    initContainers: d.arr(o.initContainers, p("initContainers"), (x, cp) => decodeContainer(d, x, cp)),
    containers: d.arr(o.containers, p("containers"), (x, cp) => decodeContainer(d, x, cp)) ?? [],
    ephemeralContainers: d.arr(
      o.ephemeralContainers,
      p("ephemeralContainers"),
      (x, cp) => decodeContainer(d, x, cp, true)
    ),
    restartPolicy: d.str(o.restartPolicy, p("restartPolicy")) ?? DEFAULT_RESTART_POLICY,
    terminationGracePeriodSeconds: d.int(o.terminationGracePeriodSeconds, p("terminationGracePeriodSeconds"), 64) ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    activeDeadlineSeconds: d.int(o.activeDeadlineSeconds, p("activeDeadlineSeconds"), 64),
    dnsPolicy: d.str(o.dnsPolicy, p("dnsPolicy")) ?? DEFAULT_DNS_POLICY,
    nodeSelector: d.strMap(o.nodeSelector, p("nodeSelector")),
    serviceAccountName: d.str(o.serviceAccountName, p("serviceAccountName")) ?? d.str(o.serviceAccount, p("serviceAccount")),
    automountServiceAccountToken: d.bool(o.automountServiceAccountToken, p("automountServiceAccountToken")),
    nodeName: d.str(o.nodeName, p("nodeName")),
    hostNetwork,
    hostPID: d.bool(o.hostPID, p("hostPID")),
    hostIPC: d.bool(o.hostIPC, p("hostIPC")),
    shareProcessNamespace: d.bool(o.shareProcessNamespace, p("shareProcessNamespace")),
    hostUsers: d.bool(o.hostUsers, p("hostUsers")),
    securityContext: podSecurityContext(d, o.securityContext, p("securityContext")),
    hostname: d.str(o.hostname, p("hostname")),
    subdomain: d.str(o.subdomain, p("subdomain")),
    affinity: affinity(d, o.affinity, p("affinity")),
    tolerations: d.arr(o.tolerations, p("tolerations"), (x, tp) => toleration(d, x, tp)),
    priorityClassName: d.str(o.priorityClassName, p("priorityClassName")),
    os: os ? { name: d.str(os.name, [...p("os"), "name"]) ?? "" } : void 0,
    enableServiceLinks: d.bool(o.enableServiceLinks, p("enableServiceLinks")) ?? true,
    schedulerName: d.str(o.schedulerName, p("schedulerName")) ?? DEFAULT_SCHEDULER_NAME
  });
}

// src/api/visit-containers.ts
function containersWithPath(spec, specPath) {
  const out = [];
  const lists = [
    ["initContainers", "init_container", spec.initContainers ?? []],
    ["containers", "container", spec.containers],
    ["ephemeralContainers", "ephemeral_container", spec.ephemeralContainers ?? []]
  ];
  for (const [field, type, list] of lists) {
    for (const [i, container] of list.entries()) out.push({ container, type, path: [...specPath, field, i] });
  }
  return out;
}

// src/api/validate-windows.ts
var MAX_GMSA_CREDENTIAL_SPEC_LENGTH = 64 * 1024;
var MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH = 256;
var MAX_RUN_AS_USER_NAME_USER_LENGTH = 104;
var CTRL_RE = /[\x00-\x1f\x7f]/;
var NETBIOS_RE = /^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$/;
var DNS_LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
var WINDOWS_DNS_DOMAIN_RE = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);
var DOTS_SPACES_RE = /^[. ]+$/;
var INVALID_USER_CHARS_RE = /["/\\:;|=,+*?<>@[\]]/;
var byteLength = (s) => Buffer.byteLength(s, "utf8");
function validateWindowsOptions(o, path) {
  const errs = [];
  if (o.gmsaCredentialSpecName !== void 0) {
    for (const msg of dns1123SubdomainErrors(o.gmsaCredentialSpecName)) {
      errs.push(invalid([...path, "gmsaCredentialSpecName"], o.gmsaCredentialSpecName, msg));
    }
  }
  if (o.gmsaCredentialSpec !== void 0) {
    const l = byteLength(o.gmsaCredentialSpec);
    const p = [...path, "gmsaCredentialSpec"];
    if (l === 0) errs.push(invalid(p, o.gmsaCredentialSpec, "gmsaCredentialSpec cannot be an empty string"));
    else if (l > MAX_GMSA_CREDENTIAL_SPEC_LENGTH) {
      errs.push(invalid(p, o.gmsaCredentialSpec, "gmsaCredentialSpec size must be under 64 KiB"));
    }
  }
  if (o.runAsUserName !== void 0)
    errs.push(...validateRunAsUserName(o.runAsUserName, [...path, "runAsUserName"]));
  return errs;
}
function validateRunAsUserName(name, p) {
  if (byteLength(name) === 0) return [invalid(p, name, "runAsUserName cannot be an empty string")];
  if (CTRL_RE.test(name)) return [invalid(p, name, "runAsUserName cannot contain control characters")];
  const parts = name.split("\\");
  if (parts.length > 2) return [invalid(p, name, "runAsUserName cannot contain more than one backslash")];
  const hasDomain = parts.length === 2;
  const domain = hasDomain ? parts[0] ?? "" : "";
  const user = hasDomain ? parts[1] ?? "" : parts[0] ?? "";
  const errs = [];
  if (byteLength(domain) >= MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH) {
    errs.push(
      invalid(
        p,
        name,
        `runAsUserName's Domain length must be under ${MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH} characters`
      )
    );
  }
  if (hasDomain && !(NETBIOS_RE.test(domain) || WINDOWS_DNS_DOMAIN_RE.test(domain))) {
    errs.push(invalid(p, name, "runAsUserName's Domain doesn't match the NetBios nor the DNS format"));
  }
  const ul = byteLength(user);
  if (ul === 0) errs.push(invalid(p, name, "runAsUserName's User cannot be empty"));
  else if (ul > MAX_RUN_AS_USER_NAME_USER_LENGTH) {
    errs.push(
      invalid(
        p,
        name,
        `runAsUserName's User length must not be longer than ${MAX_RUN_AS_USER_NAME_USER_LENGTH} characters`
      )
    );
  }
  if (DOTS_SPACES_RE.test(user))
    errs.push(invalid(p, name, "runAsUserName's User cannot contain only periods or spaces"));
  if (INVALID_USER_CHARS_RE.test(user)) {
    errs.push(
      invalid(p, name, `runAsUserName's User cannot contain the following characters: "/\\:;|=,+*?<>@[]`)
    );
  }
  return errs;
}
function validateAllWindowsOptions(spec, specPath) {
  const errs = [];
  const podOpts = spec.securityContext?.windowsOptions;
  if (podOpts)
    errs.push(...validateWindowsOptions(podOpts, [...specPath, "securityContext", "windowsOptions"]));
  for (const { container, path } of containersWithPath(spec, specPath)) {
    const o = container.securityContext?.windowsOptions;
    if (o) errs.push(...validateWindowsOptions(o, [...path, "securityContext", "windowsOptions"]));
  }
  return errs;
}
function validateHostProcessPod(spec, specPath, options = {}) {
  const errs = [];
  const podHostProcess = spec.securityContext?.windowsOptions?.hostProcess;
  let count = 0;
  let hpcCount = 0;
  for (const { container, path } of containersWithPath(spec, specPath)) {
    count++;
    const c = container.securityContext?.windowsOptions?.hostProcess;
    if (podHostProcess !== void 0 && c !== void 0 && podHostProcess !== c) {
      errs.push(
        invalid(
          [...path, "securityContext", "windowsOptions", "hostProcess"],
          c,
          `pod hostProcess value must be identical if both are specified, was ${podHostProcess}`
        )
      );
    }
    if (c === true || c === void 0 && podHostProcess === true) hpcCount++;
  }
  if (hpcCount > 0) {
    if (hpcCount !== count) {
      errs.push(
        invalid(
          specPath,
          "",
          "If pod contains any hostProcess containers then all containers must be HostProcess containers"
        )
      );
    }
    const hostNetwork = spec.hostNetwork === true;
    if (!hostNetwork) {
      errs.push(
        invalid(
          [...specPath, "hostNetwork"],
          hostNetwork,
          "hostNetwork must be true if pod contains any hostProcess containers"
        )
      );
    }
    if (options.allowPrivileged === false) {
      errs.push(forbidden(specPath, "hostProcess containers are disallowed by cluster policy"));
    }
  }
  return errs;
}
function validateOsRules(spec, specPath) {
  const errs = [];
  const os = spec.os?.name;
  const containers = containersWithPath(spec, specPath);
  if (os === "linux") {
    const msg = "windows options cannot be set for a linux pod";
    if (spec.securityContext?.windowsOptions)
      errs.push(forbidden([...specPath, "securityContext", "windowsOptions"], msg));
    for (const { container, path } of containers) {
      if (container.securityContext?.windowsOptions) {
        errs.push(forbidden([...path, "securityContext", "windowsOptions"], msg));
      }
    }
  } else if (os === "windows") {
    const msg = "cannot be set for a windows pod";
    const sc = spec.securityContext;
    const scp = [...specPath, "securityContext"];
    if (sc) {
      const podFields = [
        "appArmorProfile",
        "seLinuxOptions",
        "seccompProfile",
        "fsGroup",
        "fsGroupChangePolicy",
        "sysctls",
        "runAsUser",
        "runAsGroup",
        "supplementalGroups",
        "supplementalGroupsPolicy",
        "seLinuxChangePolicy"
      ];
      for (const f of podFields) if (sc[f] !== void 0) errs.push(forbidden([...scp, f], msg));
    }
    if (spec.hostUsers !== void 0) errs.push(forbidden([...specPath, "hostUsers"], msg));
    if (spec.hostPID) errs.push(forbidden([...specPath, "hostPID"], msg));
    if (spec.hostIPC) errs.push(forbidden([...specPath, "hostIPC"], msg));
    if (spec.shareProcessNamespace !== void 0)
      errs.push(forbidden([...specPath, "shareProcessNamespace"], msg));
    const ctrFields = [
      "appArmorProfile",
      "seLinuxOptions",
      "seccompProfile",
      "capabilities",
      "readOnlyRootFilesystem",
      "privileged",
      "allowPrivilegeEscalation",
      "procMount",
      "runAsUser",
      "runAsGroup"
    ];
    for (const { container, path } of containers) {
      const csc = container.securityContext;
      if (!csc) continue;
      for (const f of ctrFields)
        if (csc[f] !== void 0) errs.push(forbidden([...path, "securityContext", f], msg));
    }
  }
  return errs;
}

// src/api/validate-pod.ts
var RESTART_POLICIES = ["Always", "OnFailure", "Never"];
var DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
var PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
var PROTOCOLS = ["SCTP", "TCP", "UDP"];
var HOST_PATH_TYPES = [
  "",
  "DirectoryOrCreate",
  "Directory",
  "FileOrCreate",
  "File",
  "Socket",
  "CharDevice",
  "BlockDevice"
];
var TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
var ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs"
];
var VOLUME_FIELD_PATHS = [
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid"
];
var RESOURCE_FIELD_REFS = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory"
];
var STANDARD_CONTAINER_RESOURCES = ["cpu", "memory", "ephemeral-storage"];
var NODE_SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
var TOLERATION_OPERATORS = ["Equal", "Exists"];
var TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
function validateObjectMeta(meta, path, requireName) {
  const errs = [];
  if (requireName && !meta.name && !meta.generateName) {
    errs.push(required([...path, "name"], "name or generateName is required"));
  }
  if (meta.name)
    for (const m of dns1123SubdomainErrors(meta.name)) errs.push(invalid([...path, "name"], meta.name, m));
  if (meta.namespace) {
    for (const m of dns1123LabelErrors(meta.namespace))
      errs.push(invalid([...path, "namespace"], meta.namespace, m));
  }
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    for (const m of qualifiedNameErrors(k)) errs.push(invalid([...path, "labels"], k, m));
    for (const m of labelValueErrors(v)) errs.push(invalid([...path, "labels"], v, m));
  }
  for (const k of Object.keys(meta.annotations ?? {})) {
    for (const m of qualifiedNameErrors(k.toLowerCase())) errs.push(invalid([...path, "annotations"], k, m));
  }
  return errs;
}
function validatePodSpec(spec, specPath, options = {}) {
  const errs = [];
  const volumes = validateVolumes(spec.volumes ?? [], [...specPath, "volumes"], errs);
  if (spec.containers.length === 0) errs.push(required([...specPath, "containers"], ""));
  const names = /* @__PURE__ */ new Set();
  for (const { container, type, path } of containersWithPath(spec, specPath)) {
    const np = [...path, "name"];
    if (container.name === "") errs.push(required(np, ""));
    else {
      for (const m of dns1123LabelErrors(container.name)) errs.push(invalid(np, container.name, m));
      if (names.has(container.name)) errs.push(duplicate(np, container.name));
      names.add(container.name);
    }
    validateContainer(container, type, path, volumes, errs);
  }
  const allowedRestart = options.allowedRestartPolicies ?? RESTART_POLICIES;
  if (!allowedRestart.includes(spec.restartPolicy)) {
    errs.push(notSupported([...specPath, "restartPolicy"], spec.restartPolicy, allowedRestart));
  }
  if (!DNS_POLICIES.includes(spec.dnsPolicy))
    errs.push(notSupported([...specPath, "dnsPolicy"], spec.dnsPolicy, DNS_POLICIES));
  if (spec.terminationGracePeriodSeconds < 0) {
    errs.push(
      invalid(
        [...specPath, "terminationGracePeriodSeconds"],
        spec.terminationGracePeriodSeconds,
        "must be greater than or equal to 0"
      )
    );
  }
  if (spec.activeDeadlineSeconds !== void 0 && spec.activeDeadlineSeconds <= 0) {
    errs.push(
      invalid(
        [...specPath, "activeDeadlineSeconds"],
        spec.activeDeadlineSeconds,
        "must be between 1 and 2147483647, inclusive"
      )
    );
  }
  if (spec.serviceAccountName) {
    for (const m of dns1123SubdomainErrors(spec.serviceAccountName)) {
      errs.push(invalid([...specPath, "serviceAccountName"], spec.serviceAccountName, m));
    }
  }
  if (spec.os && spec.os.name !== "linux" && spec.os.name !== "windows") {
    errs.push(notSupported([...specPath, "os", "name"], spec.os.name, ["linux", "windows"]));
  }
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    for (const m of qualifiedNameErrors(k)) errs.push(invalid([...specPath, "nodeSelector"], k, m));
    for (const m of labelValueErrors(v)) errs.push(invalid([...specPath, "nodeSelector"], v, m));
  }
  validateAffinity(spec, specPath, errs);
  (spec.tolerations ?? []).forEach((t, i) => {
    const tp = [...specPath, "tolerations", i];
    if (t.operator !== void 0 && !TOLERATION_OPERATORS.includes(t.operator)) {
      errs.push(notSupported([...tp, "operator"], t.operator, TOLERATION_OPERATORS));
    }
    if (t.operator === "Exists" && t.value)
      errs.push(invalid([...tp, "operator"], t.value, "value must be empty when `operator` is 'Exists'"));
    if (!t.key && t.operator !== "Exists") {
      errs.push(
        invalid(
          [...tp, "operator"],
          t.operator ?? "",
          'operator must be Exists when `key` is empty, which means "match all values and all keys"'
        )
      );
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect))
      errs.push(notSupported([...tp, "effect"], t.effect, TAINT_EFFECTS));
  });
  errs.push(...validateAllWindowsOptions(spec, specPath));
  errs.push(...validateHostProcessPod(spec, specPath, options));
  errs.push(...validateOsRules(spec, specPath));
  return errs;
}
function validateVolumes(volumes, path, errs) {
  const byName = /* @__PURE__ */ new Map();
  volumes.forEach((v, i) => {
    const vp = [...path, i];
    if (v.name === "") errs.push(required([...vp, "name"], ""));
    else {
      for (const m of dns1123LabelErrors(v.name)) errs.push(invalid([...vp, "name"], v.name, m));
      if (byName.has(v.name)) errs.push(duplicate([...vp, "name"], v.name));
      else byName.set(v.name, v);
    }
    const sources = VOLUME_SOURCES.filter(
      (k) => v.otherSources.includes(k) || SUPPORTED_VOLUME_SOURCES.includes(k) && v[k] !== void 0
    );
    if (sources.length === 0) errs.push(required(vp, "must specify a volume type"));
    for (const extra of sources.slice(1))
      errs.push(forbidden([...vp, extra], "may not specify more than 1 volume type"));
    if (v.hostPath) {
      const hp = [...vp, "hostPath"];
      if (v.hostPath.path === "") errs.push(required([...hp, "path"], ""));
      else if (v.hostPath.path.split(/[\\/]/).includes(".."))
        errs.push(invalid([...hp, "path"], v.hostPath.path, "must not contain '..'"));
      if (!HOST_PATH_TYPES.includes(v.hostPath.type))
        errs.push(notSupported([...hp, "type"], v.hostPath.type, HOST_PATH_TYPES));
    }
    if (v.emptyDir?.medium !== void 0 && !["", "Memory", "HugePages"].includes(v.emptyDir.medium)) {
      errs.push(notSupported([...vp, "emptyDir", "medium"], v.emptyDir.medium, ["", "Memory", "HugePages"]));
    }
    if (v.emptyDir?.sizeLimit && isNegative(v.emptyDir.sizeLimit)) {
      errs.push(
        invalid(
          [...vp, "emptyDir", "sizeLimit"],
          v.emptyDir.sizeLimit.text,
          "must be greater than or equal to 0"
        )
      );
    }
    if (v.configMap) {
      const cp = [...vp, "configMap"];
      if (!v.configMap.name) errs.push(required([...cp, "name"], ""));
      validateMode(v.configMap.defaultMode, [...cp, "defaultMode"], errs);
      validateKeyToPaths(v.configMap.items ?? [], [...cp, "items"], errs);
    }
    if (v.secret) {
      const sp = [...vp, "secret"];
      if (!v.secret.secretName) errs.push(required([...sp, "secretName"], ""));
      validateMode(v.secret.defaultMode, [...sp, "defaultMode"], errs);
      validateKeyToPaths(v.secret.items ?? [], [...sp, "items"], errs);
    }
    if (v.downwardAPI) {
      validateMode(v.downwardAPI.defaultMode, [...vp, "downwardAPI", "defaultMode"], errs);
      (v.downwardAPI.items ?? []).forEach((it, j) => {
        const ip = [...vp, "downwardAPI", "items", j];
        validateLocalPath(it.path, [...ip, "path"], errs, true);
        if (it.mode !== void 0) validateMode(it.mode, [...ip, "mode"], errs);
        if (it.fieldRef && it.resourceFieldRef) {
          errs.push(
            invalid(ip, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously")
          );
        } else if (it.fieldRef) {
          validateFieldRef(it.fieldRef.fieldPath, [...ip, "fieldRef", "fieldPath"], VOLUME_FIELD_PATHS, errs);
        } else if (it.resourceFieldRef) {
          validateResourceRef(it.resourceFieldRef.resource, [...ip, "resourceFieldRef", "resource"], errs);
        } else errs.push(required(ip, "one of fieldRef and resourceFieldRef is required"));
      });
    }
    if (v.projected) {
      validateMode(v.projected.defaultMode, [...vp, "projected", "defaultMode"], errs);
      (v.projected.sources ?? []).forEach((s, j) => {
        const sp = [...vp, "projected", "sources", j];
        const kinds = ["configMap", "secret", "downwardAPI", "serviceAccountToken", "clusterTrustBundle"].filter((k) => s[k] !== void 0);
        if (kinds.length > 1)
          errs.push(forbidden([...sp, kinds[1]], "may not specify more than 1 volume type per source"));
        if (s.configMap) validateKeyToPaths(s.configMap.items ?? [], [...sp, "configMap", "items"], errs);
        if (s.secret) validateKeyToPaths(s.secret.items ?? [], [...sp, "secret", "items"], errs);
        if (s.serviceAccountToken) {
          const tp = [...sp, "serviceAccountToken"];
          if (s.serviceAccountToken.expirationSeconds < 600) {
            errs.push(
              invalid(
                [...tp, "expirationSeconds"],
                s.serviceAccountToken.expirationSeconds,
                "may not specify a duration less than 10 minutes"
              )
            );
          }
          if (s.serviceAccountToken.path === "") errs.push(required([...tp, "path"], ""));
          else validateLocalPath(s.serviceAccountToken.path, [...tp, "path"], errs, true);
        }
      });
    }
    if (v.persistentVolumeClaim && v.persistentVolumeClaim.claimName === "") {
      errs.push(required([...vp, "persistentVolumeClaim", "claimName"], ""));
    }
  });
  return byName;
}
function validateMode(mode, path, errs) {
  if (mode < 0 || mode > 511) {
    errs.push(invalid(path, mode, "must be a number between 0 and 0777 (octal), both inclusive"));
  }
}
function validateKeyToPaths(items, path, errs) {
  items.forEach((it, i) => {
    const ip = [...path, i];
    if (it.key === "") errs.push(required([...ip, "key"], ""));
    if (it.path === "") errs.push(required([...ip, "path"], ""));
    else validateLocalPath(it.path, [...ip, "path"], errs, true);
    if (it.mode !== void 0) validateMode(it.mode, [...ip, "mode"], errs);
  });
}
function validateLocalPath(p, path, errs, noLeadingDotDot = false) {
  if (p.startsWith("/")) errs.push(invalid(path, p, "must be a relative path"));
  if (p.replaceAll("\\", "/").split("/").includes("..")) errs.push(invalid(path, p, "must not contain '..'"));
  else if (noLeadingDotDot && p.startsWith("..")) errs.push(invalid(path, p, "must not start with '..'"));
}
function validateFieldRef(fp, path, supported, errs) {
  if (fp === "") {
    errs.push(required(path, ""));
    return;
  }
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fp);
  if (m) {
    for (const e of qualifiedNameErrors(m[2] ?? "")) errs.push(invalid(path, m[2], e));
    return;
  }
  if (!supported.includes(fp)) errs.push(notSupported(path, fp, supported));
}
function validateResourceRef(resource, path, errs) {
  if (resource === "") errs.push(required(path, ""));
  else if (!RESOURCE_FIELD_REFS.includes(resource) && !/^(limits|requests)\.hugepages-/.test(resource)) {
    errs.push(notSupported(path, resource, RESOURCE_FIELD_REFS));
  }
}
function validateContainer(c, type, path, volumes, errs) {
  if (!c.image || c.image.trim() === "") errs.push(required([...path, "image"], ""));
  else if (c.image !== c.image.trim())
    errs.push(invalid([...path, "image"], c.image, "must not have leading or trailing whitespace"));
  if (!PULL_POLICIES.includes(c.imagePullPolicy))
    errs.push(notSupported([...path, "imagePullPolicy"], c.imagePullPolicy, PULL_POLICIES));
  if (!TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(
      notSupported(
        [...path, "terminationMessagePolicy"],
        c.terminationMessagePolicy,
        TERMINATION_MESSAGE_POLICIES
      )
    );
  }
  if (c.restartPolicy !== void 0) {
    if (type === "init_container") {
      if (c.restartPolicy !== "Always")
        errs.push(notSupported([...path, "restartPolicy"], c.restartPolicy, ["Always"]));
    } else errs.push(forbidden([...path, "restartPolicy"], "may not be set for non-init containers"));
  }
  const sidecar = type === "init_container" && c.restartPolicy === "Always";
  const portNames = /* @__PURE__ */ new Set();
  (c.ports ?? []).forEach((p, i) => {
    const pp = [...path, "ports", i];
    if (p.name !== void 0 && p.name !== "") {
      for (const m of portNameErrors(p.name)) errs.push(invalid([...pp, "name"], p.name, m));
      if (portNames.has(p.name)) errs.push(duplicate([...pp, "name"], p.name));
      portNames.add(p.name);
    }
    if (p.containerPort === 0) errs.push(required([...pp, "containerPort"], ""));
    else
      for (const m of portNumErrors(p.containerPort))
        errs.push(invalid([...pp, "containerPort"], p.containerPort, m));
    if (p.hostPort !== void 0 && p.hostPort !== 0) {
      for (const m of portNumErrors(p.hostPort)) errs.push(invalid([...pp, "hostPort"], p.hostPort, m));
    }
    if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported([...pp, "protocol"], p.protocol, PROTOCOLS));
  });
  for (const [i, e] of (c.env ?? []).entries()) validateEnvVar(e, [...path, "env", i], errs);
  (c.envFrom ?? []).forEach((e, i) => {
    const ep = [...path, "envFrom", i];
    if (e.prefix)
      for (const m of envVarNameErrors(e.prefix)) errs.push(invalid([...ep, "prefix"], e.prefix, m));
    const n = (e.configMapRef ? 1 : 0) + (e.secretRef ? 1 : 0);
    if (n === 0) errs.push(invalid(ep, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (n > 1) errs.push(invalid(ep, "", "may not have more than one field specified at a time"));
    if (e.configMapRef && !e.configMapRef.name) errs.push(required([...ep, "configMapRef", "name"], ""));
    if (e.secretRef && !e.secretRef.name) errs.push(required([...ep, "secretRef", "name"], ""));
  });
  const mountPaths = /* @__PURE__ */ new Set();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mp = [...path, "volumeMounts", i];
    if (m.name === "") errs.push(required([...mp, "name"], ""));
    else if (!volumes.has(m.name)) errs.push(notFound([...mp, "name"], m.name));
    if (m.mountPath === "") errs.push(required([...mp, "mountPath"], ""));
    else {
      if (mountPaths.has(m.mountPath))
        errs.push(invalid([...mp, "mountPath"], m.mountPath, "must be unique"));
      mountPaths.add(m.mountPath);
    }
    if (m.subPath) validateLocalPath(m.subPath, [...mp, "subPath"], errs);
    if (m.subPathExpr) {
      if (m.subPath)
        errs.push(
          invalid([...mp, "subPathExpr"], m.subPathExpr, "subPathExpr and subPath are mutually exclusive")
        );
      validateLocalPath(m.subPathExpr, [...mp, "subPathExpr"], errs);
    }
    if (m.mountPropagation !== void 0 && !["None", "HostToContainer", "Bidirectional"].includes(m.mountPropagation)) {
      errs.push(
        notSupported([...mp, "mountPropagation"], m.mountPropagation, [
          "Bidirectional",
          "HostToContainer",
          "None"
        ])
      );
    }
  });
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  for (const [kind, list] of [
    ["limits", limits],
    ["requests", requests]
  ]) {
    for (const [name, q] of Object.entries(list)) {
      const rp = [...path, "resources", kind, name];
      if (!STANDARD_CONTAINER_RESOURCES.includes(name) && !name.startsWith("hugepages-") && !name.includes("/")) {
        errs.push(invalid(rp, name, "must be a standard resource for containers"));
      }
      if (isNegative(q)) errs.push(invalid(rp, q.text, "must be greater than or equal to 0"));
    }
  }
  for (const [name, req] of Object.entries(requests)) {
    const lim = limits[name];
    if (lim && compareQuantity(req, lim) > 0) {
      errs.push(
        invalid(
          [...path, "resources", "requests"],
          req.text,
          `must be less than or equal to ${name} limit of ${lim.text}`
        )
      );
    }
  }
  const probes = [
    ["livenessProbe", c.livenessProbe],
    ["readinessProbe", c.readinessProbe],
    ["startupProbe", c.startupProbe]
  ];
  for (const [name, probe2] of probes) {
    if (!probe2) continue;
    const pp = [...path, name];
    if (type === "ephemeral_container") {
      errs.push(forbidden(pp, "cannot be set for an Ephemeral Container"));
      continue;
    }
    if (type === "init_container" && !sidecar) {
      errs.push(forbidden(pp, "may not be set for init containers without restartPolicy=Always"));
      continue;
    }
    validateProbe(probe2, name, pp, errs);
  }
  if (c.lifecycle) {
    if (type === "init_container" && !sidecar) {
      errs.push(
        forbidden([...path, "lifecycle"], "may not be set for init containers without restartPolicy=Always")
      );
    } else {
      if (c.lifecycle.postStart)
        validateHandler(c.lifecycle.postStart, [...path, "lifecycle", "postStart"], errs);
      if (c.lifecycle.preStop) validateHandler(c.lifecycle.preStop, [...path, "lifecycle", "preStop"], errs);
    }
  }
}
function validateEnvVar(e, path, errs) {
  if (e.name === "") errs.push(required([...path, "name"], ""));
  else for (const m of envVarNameErrors(e.name)) errs.push(invalid([...path, "name"], e.name, m));
  const vf = e.valueFrom;
  if (!vf) return;
  const vp = [...path, "valueFrom"];
  const set = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"].filter(
    (k) => vf[k] !== void 0
  );
  if (set.length === 0) {
    errs.push(
      invalid(
        vp,
        "",
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
      )
    );
  } else if (set.length > 1) {
    errs.push(invalid(vp, "", "may not have more than one field specified at a time"));
  }
  if (e.value) errs.push(invalid(vp, "", "may not be specified when `value` is not empty"));
  if (vf.fieldRef)
    validateFieldRef(vf.fieldRef.fieldPath, [...vp, "fieldRef", "fieldPath"], ENV_FIELD_PATHS, errs);
  if (vf.resourceFieldRef)
    validateResourceRef(vf.resourceFieldRef.resource, [...vp, "resourceFieldRef", "resource"], errs);
  for (const k of ["configMapKeyRef", "secretKeyRef"]) {
    const ref = vf[k];
    if (!ref) continue;
    if (!ref.name) errs.push(required([...vp, k, "name"], ""));
    if (ref.key === "") errs.push(required([...vp, k, "key"], ""));
    else if (!/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
      errs.push(
        invalid(
          [...vp, k, "key"],
          ref.key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        )
      );
    }
  }
}
var HANDLER_KINDS = ["exec", "httpGet", "tcpSocket", "grpc", "sleep"];
function validateHandler(h, path, errs, allowed = HANDLER_KINDS) {
  const set = HANDLER_KINDS.filter((k) => h[k] !== void 0);
  if (set.length === 0) {
    errs.push(required(path, "must specify a handler type"));
    return false;
  }
  for (const extra of set.slice(1))
    errs.push(forbidden([...path, extra], "may not specify more than 1 handler type"));
  for (const k of set)
    if (!allowed.includes(k)) errs.push(forbidden([...path, k], "may not be set for probes"));
  if (h.exec && (!h.exec.command || h.exec.command.length === 0))
    errs.push(required([...path, "exec", "command"], ""));
  for (const k of ["httpGet", "tcpSocket"]) {
    const a = h[k];
    if (!a) continue;
    const pp = [...path, k, "port"];
    if (typeof a.port === "number") for (const m of portNumErrors(a.port)) errs.push(invalid(pp, a.port, m));
    else for (const m of portNameErrors(a.port)) errs.push(invalid(pp, a.port, m));
  }
  if (h.httpGet && !["HTTP", "HTTPS"].includes(h.httpGet.scheme)) {
    errs.push(notSupported([...path, "httpGet", "scheme"], h.httpGet.scheme, ["HTTP", "HTTPS"]));
  }
  return set.length === 1;
}
function validateProbe(p, name, path, errs) {
  validateHandler(p, path, errs, ["exec", "httpGet", "tcpSocket", "grpc"]);
  for (const f of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold"
  ]) {
    if (p[f] < 0) errs.push(invalid([...path, f], p[f], "must be greater than or equal to 0"));
  }
  if ((name === "livenessProbe" || name === "startupProbe") && p.successThreshold !== 1) {
    errs.push(invalid([...path, "successThreshold"], p.successThreshold, "must be 1"));
  }
  if (p.terminationGracePeriodSeconds !== void 0 && p.terminationGracePeriodSeconds <= 0) {
    errs.push(
      invalid(
        [...path, "terminationGracePeriodSeconds"],
        p.terminationGracePeriodSeconds,
        "must be greater than 0"
      )
    );
  }
}
function validateAffinity(spec, specPath, errs) {
  const na = spec.affinity?.nodeAffinity;
  if (!na) return;
  const base = [...specPath, "affinity", "nodeAffinity"];
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) {
    const rp = [...base, "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"];
    if (req.nodeSelectorTerms.length === 0)
      errs.push(required(rp, "must have at least one node selector term"));
    req.nodeSelectorTerms.forEach((t, i) => {
      (t.matchExpressions ?? []).forEach((r, j) => {
        const ep = [...rp, i, "matchExpressions", j];
        if (!NODE_SELECTOR_OPERATORS.includes(r.operator)) {
          errs.push(invalid([...ep, "operator"], r.operator, "not a valid selector operator"));
          return;
        }
        const n = r.values?.length ?? 0;
        if ((r.operator === "In" || r.operator === "NotIn") && n === 0) {
          errs.push(required([...ep, "values"], "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        if ((r.operator === "Exists" || r.operator === "DoesNotExist") && n > 0) {
          errs.push(
            forbidden(
              [...ep, "values"],
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            )
          );
        }
        if ((r.operator === "Gt" || r.operator === "Lt") && n !== 1) {
          errs.push(
            required([...ep, "values"], "must be specified single value when `operator` is 'Lt' or 'Gt'")
          );
        }
        for (const m of qualifiedNameErrors(r.key)) errs.push(invalid([...ep, "key"], r.key, m));
      });
    });
  }
  (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, i) => {
    if (p.weight < 1 || p.weight > 100) {
      errs.push(
        invalid(
          [...base, "preferredDuringSchedulingIgnoredDuringExecution", i, "weight"],
          p.weight,
          "must be in the range 1-100"
        )
      );
    }
  });
}

// src/api/objects.ts
var TEMPLATES = {
  Pod: { spec: ["spec"], meta: ["metadata"], group: "v1" },
  DaemonSet: {
    spec: ["spec", "template", "spec"],
    meta: ["spec", "template", "metadata"],
    restart: ["Always"],
    group: "apps/v1"
  },
  Deployment: {
    spec: ["spec", "template", "spec"],
    meta: ["spec", "template", "metadata"],
    restart: ["Always"],
    group: "apps/v1"
  },
  ReplicaSet: {
    spec: ["spec", "template", "spec"],
    meta: ["spec", "template", "metadata"],
    restart: ["Always"],
    group: "apps/v1"
  },
  StatefulSet: {
    spec: ["spec", "template", "spec"],
    meta: ["spec", "template", "metadata"],
    restart: ["Always"],
    group: "apps/v1"
  },
  Job: {
    spec: ["spec", "template", "spec"],
    meta: ["spec", "template", "metadata"],
    restart: ["OnFailure", "Never"],
    group: "batch/v1"
  },
  CronJob: {
    spec: ["spec", "jobTemplate", "spec", "template", "spec"],
    meta: ["spec", "jobTemplate", "spec", "template", "metadata"],
    restart: ["OnFailure", "Never"],
    group: "batch/v1"
  }
};
function isWorkloadKind(kind) {
  return Object.hasOwn(TEMPLATES, kind);
}
function findObjects(docs) {
  const objects = [];
  const problems = [];
  const visit = (doc, value, objectPath) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      problems.push({
        doc,
        objectPath,
        error: typeInvalid(objectPath, value, "an object with apiVersion and kind")
      });
      return;
    }
    const raw = value;
    const kind = raw.kind;
    if (typeof kind !== "string" || kind === "") {
      problems.push({
        doc,
        objectPath,
        error: required([...objectPath, "kind"], "Object 'Kind' is missing")
      });
      return;
    }
    if (kind === "List" || kind.endsWith("List") && Array.isArray(raw.items)) {
      if (!Array.isArray(raw.items)) {
        problems.push({ doc, objectPath, error: typeInvalid([...objectPath, "items"], raw.items, "a list") });
        return;
      }
      for (const [i, item] of raw.items.entries()) visit(doc, item, [...objectPath, "items", i]);
      return;
    }
    const meta = raw.metadata !== null && typeof raw.metadata === "object" ? raw.metadata : {};
    objects.push({
      doc,
      objectPath,
      apiVersion: typeof raw.apiVersion === "string" ? raw.apiVersion : "",
      kind,
      name: typeof meta.name === "string" ? meta.name : void 0,
      namespace: typeof meta.namespace === "string" ? meta.namespace : void 0,
      raw
    });
  };
  for (const doc of docs) visit(doc, doc.value, []);
  return { objects, problems };
}
function decodeWorkload(object, options = {}) {
  const kind = object.kind;
  const t = TEMPLATES[kind];
  const d = new Decoder();
  const errors = [];
  if (object.apiVersion !== t.group) {
    errors.push({
      type: "NotSupported",
      path: ["apiVersion"],
      value: object.apiVersion,
      detail: `supported values: "${t.group}" (for kind ${kind})`
    });
  }
  const objMeta = decodeMeta(d, object.raw.metadata, ["metadata"]);
  errors.push(...validateObjectMeta(objMeta, ["metadata"], true));
  let node = object.raw;
  for (const [i, seg] of t.spec.entries()) {
    if (i === t.spec.length - 1) break;
    const o = d.obj(node, t.spec.slice(0, i));
    node = o?.[seg];
  }
  const tmplMeta = kind === "Pod" ? objMeta : decodeMeta(d, getPath(object.raw, t.meta), t.meta);
  const specValue = getPath(object.raw, t.spec);
  if (specValue === void 0 || specValue === null) errors.push(required(t.spec, ""));
  const spec = decodePodSpec(d, specValue, t.spec);
  const validation = validatePodSpec(spec, t.spec, {
    ...t.restart ? { allowedRestartPolicies: t.restart } : {},
    ...options.allowPrivileged === void 0 ? {} : { allowPrivileged: options.allowPrivileged }
  });
  const meta = {
    ...tmplMeta,
    name: kind === "Pod" ? objMeta.name ?? "" : object.name ?? tmplMeta.name ?? "",
    namespace: objMeta.namespace ?? "default"
  };
  return {
    object,
    kind,
    pod: { apiVersion: "v1", kind: "Pod", metadata: meta, spec },
    specPath: t.spec,
    errors: [...d.errors, ...errors, ...validation],
    unknownFields: d.unknownFields
  };
}
function getPath(v, path) {
  let cur = v;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return void 0;
    cur = cur[seg];
  }
  return cur;
}
function decodeConfigMap(object) {
  const d = new Decoder();
  const o = d.obj(object.raw, [], ["apiVersion", "kind", "metadata", "data", "binaryData", "immutable"]) ?? {};
  const metadata = decodeMeta(d, o.metadata, ["metadata"]);
  const errors = validateObjectMeta(metadata, ["metadata"], true);
  const binaryData = {};
  for (const [k, v] of Object.entries(d.strMap(o.binaryData, ["binaryData"]) ?? {})) {
    binaryData[k] = Buffer.from(v, "base64");
  }
  return {
    value: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata,
      data: d.strMap(o.data, ["data"]) ?? {},
      binaryData
    },
    errors: [...d.errors, ...errors]
  };
}
function decodeSecret(object) {
  const d = new Decoder();
  const o = d.obj(object.raw, [], ["apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable"]) ?? {};
  const metadata = decodeMeta(d, o.metadata, ["metadata"]);
  const errors = validateObjectMeta(metadata, ["metadata"], true);
  const data = {};
  for (const [k, v] of Object.entries(d.strMap(o.data, ["data"]) ?? {})) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s/g, ""))) {
      errors.push({ type: "Invalid", path: ["data", k], value: "<secret>", detail: "illegal base64 data" });
      continue;
    }
    data[k] = Buffer.from(v, "base64");
  }
  for (const [k, v] of Object.entries(d.strMap(o.stringData, ["stringData"]) ?? {}))
    data[k] = Buffer.from(v, "utf8");
  return {
    value: { apiVersion: "v1", kind: "Secret", metadata, type: d.str(o.type, ["type"]) ?? "Opaque", data },
    errors: [...d.errors, ...errors]
  };
}

export {
  formatPath,
  goQuote,
  errorBody,
  SUPPORTED_VOLUME_SOURCES,
  containersWithPath,
  HOST_PATH_TYPES,
  isWorkloadKind,
  findObjects,
  decodeWorkload,
  decodeConfigMap,
  decodeSecret
};
