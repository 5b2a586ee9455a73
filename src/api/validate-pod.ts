/**
 * The general pod rules a runtime depends on, with the API server's paths and messages
 * (pkg/apis/core/validation/validation.go), plus the HostProcess and OS rules.
 */
import { SUPPORTED_VOLUME_SOURCES, VOLUME_SOURCES } from './decode-pod.ts';
import { validateDnsConfig } from './dns-config.ts';
import {
  duplicate,
  type FieldError,
  type FieldPath,
  forbidden,
  invalid,
  notFound,
  notSupported,
  required,
} from './field-path.ts';
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  envVarNameErrors,
  labelValueErrors,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors,
} from './names.ts';
import { compareQuantity, isNegative } from './quantity.ts';
import type { Container, EnvVar, Handler, ObjectMeta, PodSpec, Probe, Volume } from './types.ts';
import {
  validateAllWindowsOptions,
  validateHostProcessPod,
  validateOsRules,
  type WindowsValidationOptions,
} from './validate-windows.ts';
import { containersWithPath } from './visit-containers.ts';

export interface PodValidationOptions extends WindowsValidationOptions {
  /** Restart policies the enclosing workload allows (a DaemonSet template: Always only). */
  allowedRestartPolicies?: readonly string[];
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** The `hostPath.type` values the API accepts (`''`: no check). */
export const HOST_PATH_TYPES: readonly string[] = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const VOLUME_FIELD_PATHS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
];
const RESOURCE_FIELD_REFS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];
const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const TOLERATION_OPERATORS = ['Equal', 'Exists'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Validates object metadata the way the API server does for a namespaced object. */
export function validateObjectMeta(meta: ObjectMeta, path: FieldPath, requireName: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !meta.name && !meta.generateName) {
    errs.push(required([...path, 'name'], 'name or generateName is required'));
  }
  if (meta.name)
    for (const m of dns1123SubdomainErrors(meta.name)) errs.push(invalid([...path, 'name'], meta.name, m));
  if (meta.namespace) {
    for (const m of dns1123LabelErrors(meta.namespace))
      errs.push(invalid([...path, 'namespace'], meta.namespace, m));
  }
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    for (const m of qualifiedNameErrors(k)) errs.push(invalid([...path, 'labels'], k, m));
    for (const m of labelValueErrors(v)) errs.push(invalid([...path, 'labels'], v, m));
  }
  for (const k of Object.keys(meta.annotations ?? {})) {
    for (const m of qualifiedNameErrors(k.toLowerCase())) errs.push(invalid([...path, 'annotations'], k, m));
  }
  return errs;
}

/** Validates a pod spec at `specPath`: general rules, HostProcess rules and OS rules, all accumulated. */
export function validatePodSpec(
  spec: PodSpec,
  specPath: FieldPath,
  options: PodValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  const volumes = validateVolumes(spec.volumes ?? [], [...specPath, 'volumes'], errs);
  if (spec.containers.length === 0) errs.push(required([...specPath, 'containers'], ''));

  const names = new Set<string>();
  for (const { container, type, path } of containersWithPath(spec, specPath)) {
    const np = [...path, 'name'];
    if (container.name === '') errs.push(required(np, ''));
    else {
      for (const m of dns1123LabelErrors(container.name)) errs.push(invalid(np, container.name, m));
      if (names.has(container.name)) errs.push(duplicate(np, container.name));
      names.add(container.name);
    }
    validateContainer(container, type, path, volumes, errs);
  }

  const allowedRestart = options.allowedRestartPolicies ?? RESTART_POLICIES;
  if (!allowedRestart.includes(spec.restartPolicy)) {
    errs.push(notSupported([...specPath, 'restartPolicy'], spec.restartPolicy, allowedRestart));
  }
  if (!DNS_POLICIES.includes(spec.dnsPolicy))
    errs.push(notSupported([...specPath, 'dnsPolicy'], spec.dnsPolicy, DNS_POLICIES));
  errs.push(...validateDnsConfig(spec, specPath));
  if (spec.terminationGracePeriodSeconds < 0) {
    errs.push(
      invalid(
        [...specPath, 'terminationGracePeriodSeconds'],
        spec.terminationGracePeriodSeconds,
        'must be greater than or equal to 0',
      ),
    );
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds <= 0) {
    errs.push(
      invalid(
        [...specPath, 'activeDeadlineSeconds'],
        spec.activeDeadlineSeconds,
        'must be between 1 and 2147483647, inclusive',
      ),
    );
  }
  if (spec.serviceAccountName) {
    for (const m of dns1123SubdomainErrors(spec.serviceAccountName)) {
      errs.push(invalid([...specPath, 'serviceAccountName'], spec.serviceAccountName, m));
    }
  }
  if (spec.os && spec.os.name !== 'linux' && spec.os.name !== 'windows') {
    errs.push(notSupported([...specPath, 'os', 'name'], spec.os.name, ['linux', 'windows']));
  }
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    for (const m of qualifiedNameErrors(k)) errs.push(invalid([...specPath, 'nodeSelector'], k, m));
    for (const m of labelValueErrors(v)) errs.push(invalid([...specPath, 'nodeSelector'], v, m));
  }
  validateAffinity(spec, specPath, errs);
  (spec.tolerations ?? []).forEach((t, i) => {
    const tp = [...specPath, 'tolerations', i];
    if (t.operator !== undefined && !TOLERATION_OPERATORS.includes(t.operator)) {
      errs.push(notSupported([...tp, 'operator'], t.operator, TOLERATION_OPERATORS));
    }
    if (t.operator === 'Exists' && t.value)
      errs.push(invalid([...tp, 'operator'], t.value, "value must be empty when `operator` is 'Exists'"));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(
        invalid(
          [...tp, 'operator'],
          t.operator ?? '',
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect))
      errs.push(notSupported([...tp, 'effect'], t.effect, TAINT_EFFECTS));
  });

  errs.push(...validateAllWindowsOptions(spec, specPath));
  errs.push(...validateHostProcessPod(spec, specPath, options));
  errs.push(...validateOsRules(spec, specPath));
  return errs;
}

function validateVolumes(volumes: Volume[], path: FieldPath, errs: FieldError[]): Map<string, Volume> {
  const byName = new Map<string, Volume>();
  volumes.forEach((v, i) => {
    const vp = [...path, i];
    if (v.name === '') errs.push(required([...vp, 'name'], ''));
    else {
      for (const m of dns1123LabelErrors(v.name)) errs.push(invalid([...vp, 'name'], v.name, m));
      if (byName.has(v.name)) errs.push(duplicate([...vp, 'name'], v.name));
      else byName.set(v.name, v);
    }
    // In the API's field order, so the second source named is the one reported.
    const sources = VOLUME_SOURCES.filter(
      (k) =>
        v.otherSources.includes(k) ||
        (SUPPORTED_VOLUME_SOURCES.includes(k) && v[k as keyof Volume] !== undefined),
    );
    if (sources.length === 0) errs.push(required(vp, 'must specify a volume type'));
    for (const extra of sources.slice(1))
      errs.push(forbidden([...vp, extra], 'may not specify more than 1 volume type'));

    if (v.hostPath) {
      const hp = [...vp, 'hostPath'];
      if (v.hostPath.path === '') errs.push(required([...hp, 'path'], ''));
      else if (v.hostPath.path.split(/[\\/]/).includes('..'))
        errs.push(invalid([...hp, 'path'], v.hostPath.path, "must not contain '..'"));
      if (!HOST_PATH_TYPES.includes(v.hostPath.type))
        errs.push(notSupported([...hp, 'type'], v.hostPath.type, HOST_PATH_TYPES));
    }
    if (v.emptyDir?.medium !== undefined && !['', 'Memory', 'HugePages'].includes(v.emptyDir.medium)) {
      errs.push(notSupported([...vp, 'emptyDir', 'medium'], v.emptyDir.medium, ['', 'Memory', 'HugePages']));
    }
    if (v.emptyDir?.sizeLimit && isNegative(v.emptyDir.sizeLimit)) {
      errs.push(
        invalid(
          [...vp, 'emptyDir', 'sizeLimit'],
          v.emptyDir.sizeLimit.text,
          'must be greater than or equal to 0',
        ),
      );
    }
    if (v.configMap) {
      const cp = [...vp, 'configMap'];
      if (!v.configMap.name) errs.push(required([...cp, 'name'], ''));
      validateMode(v.configMap.defaultMode, [...cp, 'defaultMode'], errs);
      validateKeyToPaths(v.configMap.items ?? [], [...cp, 'items'], errs);
    }
    if (v.secret) {
      const sp = [...vp, 'secret'];
      if (!v.secret.secretName) errs.push(required([...sp, 'secretName'], ''));
      validateMode(v.secret.defaultMode, [...sp, 'defaultMode'], errs);
      validateKeyToPaths(v.secret.items ?? [], [...sp, 'items'], errs);
    }
    if (v.downwardAPI) {
      validateMode(v.downwardAPI.defaultMode, [...vp, 'downwardAPI', 'defaultMode'], errs);
      (v.downwardAPI.items ?? []).forEach((it, j) => {
        const ip = [...vp, 'downwardAPI', 'items', j];
        validateLocalPath(it.path, [...ip, 'path'], errs, true);
        if (it.mode !== undefined) validateMode(it.mode, [...ip, 'mode'], errs);
        if (it.fieldRef && it.resourceFieldRef) {
          errs.push(
            invalid(ip, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'),
          );
        } else if (it.fieldRef) {
          validateFieldRef(it.fieldRef.fieldPath, [...ip, 'fieldRef', 'fieldPath'], VOLUME_FIELD_PATHS, errs);
        } else if (it.resourceFieldRef) {
          validateResourceRef(it.resourceFieldRef.resource, [...ip, 'resourceFieldRef', 'resource'], errs);
        } else errs.push(required(ip, 'one of fieldRef and resourceFieldRef is required'));
      });
    }
    if (v.projected) {
      validateMode(v.projected.defaultMode, [...vp, 'projected', 'defaultMode'], errs);
      (v.projected.sources ?? []).forEach((s, j) => {
        const sp = [...vp, 'projected', 'sources', j];
        const kinds = (
          ['configMap', 'secret', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'] as const
        ).filter((k) => s[k] !== undefined);
        if (kinds.length > 1)
          errs.push(forbidden([...sp, kinds[1]!], 'may not specify more than 1 volume type per source'));
        if (s.configMap) validateKeyToPaths(s.configMap.items ?? [], [...sp, 'configMap', 'items'], errs);
        if (s.secret) validateKeyToPaths(s.secret.items ?? [], [...sp, 'secret', 'items'], errs);
        if (s.serviceAccountToken) {
          const tp = [...sp, 'serviceAccountToken'];
          if (s.serviceAccountToken.expirationSeconds < 600) {
            errs.push(
              invalid(
                [...tp, 'expirationSeconds'],
                s.serviceAccountToken.expirationSeconds,
                'may not specify a duration less than 10 minutes',
              ),
            );
          }
          if (s.serviceAccountToken.path === '') errs.push(required([...tp, 'path'], ''));
          else validateLocalPath(s.serviceAccountToken.path, [...tp, 'path'], errs, true);
        }
      });
    }
    if (v.persistentVolumeClaim && v.persistentVolumeClaim.claimName === '') {
      errs.push(required([...vp, 'persistentVolumeClaim', 'claimName'], ''));
    }
  });
  return byName;
}

function validateMode(mode: number, path: FieldPath, errs: FieldError[]): void {
  if (mode < 0 || mode > 0o777) {
    errs.push(invalid(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
  }
}

function validateKeyToPaths(
  items: { key: string; path: string; mode?: number }[],
  path: FieldPath,
  errs: FieldError[],
): void {
  items.forEach((it, i) => {
    const ip = [...path, i];
    if (it.key === '') errs.push(required([...ip, 'key'], ''));
    if (it.path === '') errs.push(required([...ip, 'path'], ''));
    else validateLocalPath(it.path, [...ip, 'path'], errs, true);
    if (it.mode !== undefined) validateMode(it.mode, [...ip, 'mode'], errs);
  });
}

/** `validateLocalDescendingPath` (+ `..` as the first component for volume file paths). */
function validateLocalPath(p: string, path: FieldPath, errs: FieldError[], noLeadingDotDot = false): void {
  if (p.startsWith('/')) errs.push(invalid(path, p, 'must be a relative path'));
  if (p.replaceAll('\\', '/').split('/').includes('..')) errs.push(invalid(path, p, "must not contain '..'"));
  else if (noLeadingDotDot && p.startsWith('..')) errs.push(invalid(path, p, "must not start with '..'"));
}

function validateFieldRef(
  fp: string,
  path: FieldPath,
  supported: readonly string[],
  errs: FieldError[],
): void {
  if (fp === '') {
    errs.push(required(path, ''));
    return;
  }
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fp);
  if (m) {
    for (const e of qualifiedNameErrors(m[2] ?? '')) errs.push(invalid(path, m[2], e));
    return;
  }
  if (!supported.includes(fp)) errs.push(notSupported(path, fp, supported));
}

function validateResourceRef(resource: string, path: FieldPath, errs: FieldError[]): void {
  if (resource === '') errs.push(required(path, ''));
  else if (!RESOURCE_FIELD_REFS.includes(resource) && !/^(limits|requests)\.hugepages-/.test(resource)) {
    errs.push(notSupported(path, resource, RESOURCE_FIELD_REFS));
  }
}

function validateContainer(
  c: Container,
  type: 'init_container' | 'container' | 'ephemeral_container',
  path: FieldPath,
  volumes: Map<string, Volume>,
  errs: FieldError[],
): void {
  if (!c.image || c.image.trim() === '') errs.push(required([...path, 'image'], ''));
  else if (c.image !== c.image.trim())
    errs.push(invalid([...path, 'image'], c.image, 'must not have leading or trailing whitespace'));
  if (!PULL_POLICIES.includes(c.imagePullPolicy))
    errs.push(notSupported([...path, 'imagePullPolicy'], c.imagePullPolicy, PULL_POLICIES));
  if (!TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(
      notSupported(
        [...path, 'terminationMessagePolicy'],
        c.terminationMessagePolicy,
        TERMINATION_MESSAGE_POLICIES,
      ),
    );
  }

  if (c.restartPolicy !== undefined) {
    if (type === 'init_container') {
      if (c.restartPolicy !== 'Always')
        errs.push(notSupported([...path, 'restartPolicy'], c.restartPolicy, ['Always']));
    } else errs.push(forbidden([...path, 'restartPolicy'], 'may not be set for non-init containers'));
  }
  const sidecar = type === 'init_container' && c.restartPolicy === 'Always';

  // Ports.
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = [...path, 'ports', i];
    if (p.name !== undefined && p.name !== '') {
      for (const m of portNameErrors(p.name)) errs.push(invalid([...pp, 'name'], p.name, m));
      if (portNames.has(p.name)) errs.push(duplicate([...pp, 'name'], p.name));
      portNames.add(p.name);
    }
    if (p.containerPort === 0) errs.push(required([...pp, 'containerPort'], ''));
    else
      for (const m of portNumErrors(p.containerPort))
        errs.push(invalid([...pp, 'containerPort'], p.containerPort, m));
    if (p.hostPort !== undefined && p.hostPort !== 0) {
      for (const m of portNumErrors(p.hostPort)) errs.push(invalid([...pp, 'hostPort'], p.hostPort, m));
    }
    if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported([...pp, 'protocol'], p.protocol, PROTOCOLS));
  });

  // Env.
  for (const [i, e] of (c.env ?? []).entries()) validateEnvVar(e, [...path, 'env', i], errs);
  (c.envFrom ?? []).forEach((e, i) => {
    const ep = [...path, 'envFrom', i];
    if (e.prefix)
      for (const m of envVarNameErrors(e.prefix)) errs.push(invalid([...ep, 'prefix'], e.prefix, m));
    const n = (e.configMapRef ? 1 : 0) + (e.secretRef ? 1 : 0);
    if (n === 0) errs.push(invalid(ep, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(ep, '', 'may not have more than one field specified at a time'));
    if (e.configMapRef && !e.configMapRef.name) errs.push(required([...ep, 'configMapRef', 'name'], ''));
    if (e.secretRef && !e.secretRef.name) errs.push(required([...ep, 'secretRef', 'name'], ''));
  });

  // Volume mounts.
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mp = [...path, 'volumeMounts', i];
    if (m.name === '') errs.push(required([...mp, 'name'], ''));
    else if (!volumes.has(m.name)) errs.push(notFound([...mp, 'name'], m.name));
    if (m.mountPath === '') errs.push(required([...mp, 'mountPath'], ''));
    else {
      if (mountPaths.has(m.mountPath))
        errs.push(invalid([...mp, 'mountPath'], m.mountPath, 'must be unique'));
      mountPaths.add(m.mountPath);
    }
    if (m.subPath) validateLocalPath(m.subPath, [...mp, 'subPath'], errs);
    if (m.subPathExpr) {
      if (m.subPath)
        errs.push(
          invalid([...mp, 'subPathExpr'], m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'),
        );
      validateLocalPath(m.subPathExpr, [...mp, 'subPathExpr'], errs);
    }
    if (
      m.mountPropagation !== undefined &&
      !['None', 'HostToContainer', 'Bidirectional'].includes(m.mountPropagation)
    ) {
      errs.push(
        notSupported([...mp, 'mountPropagation'], m.mountPropagation, [
          'Bidirectional',
          'HostToContainer',
          'None',
        ]),
      );
    }
  });

  // Resources.
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  for (const [kind, list] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [name, q] of Object.entries(list)) {
      const rp = [...path, 'resources', kind, name];
      if (
        !STANDARD_CONTAINER_RESOURCES.includes(name) &&
        !name.startsWith('hugepages-') &&
        !name.includes('/')
      ) {
        errs.push(invalid(rp, name, 'must be a standard resource for containers'));
      }
      if (isNegative(q)) errs.push(invalid(rp, q.text, 'must be greater than or equal to 0'));
    }
  }
  for (const [name, req] of Object.entries(requests)) {
    const lim = limits[name];
    if (lim && compareQuantity(req, lim) > 0) {
      errs.push(
        invalid(
          [...path, 'resources', 'requests'],
          req.text,
          `must be less than or equal to ${name} limit of ${lim.text}`,
        ),
      );
    }
  }

  // Probes and lifecycle.
  const probes = [
    ['livenessProbe', c.livenessProbe],
    ['readinessProbe', c.readinessProbe],
    ['startupProbe', c.startupProbe],
  ] as const;
  for (const [name, probe] of probes) {
    if (!probe) continue;
    const pp = [...path, name];
    if (type === 'ephemeral_container') {
      errs.push(forbidden(pp, 'cannot be set for an Ephemeral Container'));
      continue;
    }
    if (type === 'init_container' && !sidecar) {
      errs.push(forbidden(pp, 'may not be set for init containers without restartPolicy=Always'));
      continue;
    }
    validateProbe(probe, name, pp, errs);
  }
  if (c.lifecycle) {
    if (type === 'init_container' && !sidecar) {
      errs.push(
        forbidden([...path, 'lifecycle'], 'may not be set for init containers without restartPolicy=Always'),
      );
    } else {
      if (c.lifecycle.postStart)
        validateHandler(c.lifecycle.postStart, [...path, 'lifecycle', 'postStart'], errs);
      if (c.lifecycle.preStop) validateHandler(c.lifecycle.preStop, [...path, 'lifecycle', 'preStop'], errs);
    }
  }
}

function validateEnvVar(e: EnvVar, path: FieldPath, errs: FieldError[]): void {
  if (e.name === '') errs.push(required([...path, 'name'], ''));
  else for (const m of envVarNameErrors(e.name)) errs.push(invalid([...path, 'name'], e.name, m));
  const vf = e.valueFrom;
  if (!vf) return;
  const vp = [...path, 'valueFrom'];
  const set = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const).filter(
    (k) => vf[k] !== undefined,
  );
  if (set.length === 0) {
    errs.push(
      invalid(
        vp,
        '',
        'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      ),
    );
  } else if (set.length > 1) {
    errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
  }
  if (e.value) errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
  if (vf.fieldRef)
    validateFieldRef(vf.fieldRef.fieldPath, [...vp, 'fieldRef', 'fieldPath'], ENV_FIELD_PATHS, errs);
  if (vf.resourceFieldRef)
    validateResourceRef(vf.resourceFieldRef.resource, [...vp, 'resourceFieldRef', 'resource'], errs);
  for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
    const ref = vf[k];
    if (!ref) continue;
    if (!ref.name) errs.push(required([...vp, k, 'name'], ''));
    if (ref.key === '') errs.push(required([...vp, k, 'key'], ''));
    else if (!/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
      errs.push(
        invalid(
          [...vp, k, 'key'],
          ref.key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
    }
  }
}

const HANDLER_KINDS = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] as const;

/** Exactly one handler; returns false when none or several were given. */
function validateHandler(
  h: Handler,
  path: FieldPath,
  errs: FieldError[],
  allowed: readonly string[] = HANDLER_KINDS,
): boolean {
  const set = HANDLER_KINDS.filter((k) => h[k] !== undefined);
  if (set.length === 0) {
    errs.push(required(path, 'must specify a handler type'));
    return false;
  }
  for (const extra of set.slice(1))
    errs.push(forbidden([...path, extra], 'may not specify more than 1 handler type'));
  for (const k of set)
    if (!allowed.includes(k)) errs.push(forbidden([...path, k], 'may not be set for probes'));
  if (h.exec && (!h.exec.command || h.exec.command.length === 0))
    errs.push(required([...path, 'exec', 'command'], ''));
  for (const k of ['httpGet', 'tcpSocket'] as const) {
    const a = h[k];
    if (!a) continue;
    const pp = [...path, k, 'port'];
    if (typeof a.port === 'number') for (const m of portNumErrors(a.port)) errs.push(invalid(pp, a.port, m));
    else for (const m of portNameErrors(a.port)) errs.push(invalid(pp, a.port, m));
  }
  if (h.httpGet && !['HTTP', 'HTTPS'].includes(h.httpGet.scheme)) {
    errs.push(notSupported([...path, 'httpGet', 'scheme'], h.httpGet.scheme, ['HTTP', 'HTTPS']));
  }
  return set.length === 1;
}

function validateProbe(p: Probe, name: string, path: FieldPath, errs: FieldError[]): void {
  validateHandler(p, path, errs, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const) {
    if (p[f] < 0) errs.push(invalid([...path, f], p[f], 'must be greater than or equal to 0'));
  }
  if ((name === 'livenessProbe' || name === 'startupProbe') && p.successThreshold !== 1) {
    errs.push(invalid([...path, 'successThreshold'], p.successThreshold, 'must be 1'));
  }
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds <= 0) {
    errs.push(
      invalid(
        [...path, 'terminationGracePeriodSeconds'],
        p.terminationGracePeriodSeconds,
        'must be greater than 0',
      ),
    );
  }
}

function validateAffinity(spec: PodSpec, specPath: FieldPath, errs: FieldError[]): void {
  const na = spec.affinity?.nodeAffinity;
  if (!na) return;
  const base = [...specPath, 'affinity', 'nodeAffinity'];
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) {
    const rp = [...base, 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'];
    if (req.nodeSelectorTerms.length === 0)
      errs.push(required(rp, 'must have at least one node selector term'));
    req.nodeSelectorTerms.forEach((t, i) => {
      (t.matchExpressions ?? []).forEach((r, j) => {
        const ep = [...rp, i, 'matchExpressions', j];
        if (!NODE_SELECTOR_OPERATORS.includes(r.operator)) {
          errs.push(invalid([...ep, 'operator'], r.operator, 'not a valid selector operator'));
          return;
        }
        const n = r.values?.length ?? 0;
        if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) {
          errs.push(required([...ep, 'values'], "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) {
          errs.push(
            forbidden(
              [...ep, 'values'],
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        if ((r.operator === 'Gt' || r.operator === 'Lt') && n !== 1) {
          errs.push(
            required([...ep, 'values'], "must be specified single value when `operator` is 'Lt' or 'Gt'"),
          );
        }
        for (const m of qualifiedNameErrors(r.key)) errs.push(invalid([...ep, 'key'], r.key, m));
      });
    });
  }
  (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, i) => {
    if (p.weight < 1 || p.weight > 100) {
      errs.push(
        invalid(
          [...base, 'preferredDuringSchedulingIgnoredDuringExecution', i, 'weight'],
          p.weight,
          'must be in the range 1-100',
        ),
      );
    }
  });
}
