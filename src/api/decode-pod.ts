/**
 * Decodes `unknown` (a parsed YAML/JSON value) into the typed Pod model with the API server's
 * defaults applied. Wrong types are reported as field errors and the field is left unset, so
 * validation can go on and report everything at once.
 */
import { type Decoder, defined } from './decoder.ts';
import {
  DEFAULT_DNS_POLICY,
  DEFAULT_PROBE,
  DEFAULT_PROTOCOL,
  DEFAULT_RESTART_POLICY,
  DEFAULT_SCHEDULER_NAME,
  DEFAULT_SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  DEFAULT_TERMINATION_MESSAGE_PATH,
  DEFAULT_TERMINATION_MESSAGE_POLICY,
  DEFAULT_VOLUME_MODE,
  defaultImagePullPolicy,
} from './defaults.ts';
import { decodeDnsConfig } from './dns-config.ts';
import type { FieldPath } from './field-path.ts';
import type {
  Affinity,
  Container,
  ContainerPort,
  DownwardAPIVolumeFile,
  EnvFromSource,
  EnvVar,
  Handler,
  KeySelector,
  KeyToPath,
  Lifecycle,
  NodeSelectorTerm,
  ObjectFieldSelector,
  ObjectMeta,
  PodSecurityContext,
  PodSpec,
  Probe,
  ProjectionSource,
  ResourceFieldSelector,
  SecurityContext,
  Toleration,
  Volume,
  VolumeMount,
  WindowsSecurityContextOptions,
} from './types.ts';

const META_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'labels',
  'annotations',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
  'finalizers',
  'managedFields',
  'selfLink',
] as const;

/** Decodes `metadata`. */
export function decodeMeta(d: Decoder, v: unknown, path: FieldPath): ObjectMeta {
  const o = d.obj(v, path, META_FIELDS);
  if (!o) return {};
  return defined<ObjectMeta>({
    name: d.str(o.name, [...path, 'name']),
    generateName: d.str(o.generateName, [...path, 'generateName']),
    namespace: d.str(o.namespace, [...path, 'namespace']),
    uid: d.str(o.uid, [...path, 'uid']),
    labels: d.strMap(o.labels, [...path, 'labels']),
    annotations: d.strMap(o.annotations, [...path, 'annotations']),
  });
}

function windowsOptions(d: Decoder, v: unknown, path: FieldPath): WindowsSecurityContextOptions | undefined {
  const o = d.obj(v, path, ['gmsaCredentialSpecName', 'gmsaCredentialSpec', 'runAsUserName', 'hostProcess']);
  if (!o) return undefined;
  return defined<WindowsSecurityContextOptions>({
    gmsaCredentialSpecName: d.str(o.gmsaCredentialSpecName, [...path, 'gmsaCredentialSpecName']),
    gmsaCredentialSpec: d.str(o.gmsaCredentialSpec, [...path, 'gmsaCredentialSpec']),
    runAsUserName: d.str(o.runAsUserName, [...path, 'runAsUserName']),
    hostProcess: d.bool(o.hostProcess, [...path, 'hostProcess']),
  });
}

function common(d: Decoder, o: Record<string, unknown>, path: FieldPath) {
  const seccomp = d.obj(o.seccompProfile, [...path, 'seccompProfile'], ['type', 'localhostProfile']);
  const apparmor = d.obj(o.appArmorProfile, [...path, 'appArmorProfile'], ['type', 'localhostProfile']);
  return {
    windowsOptions: windowsOptions(d, o.windowsOptions, [...path, 'windowsOptions']),
    runAsUser: d.int(o.runAsUser, [...path, 'runAsUser'], 64),
    runAsGroup: d.int(o.runAsGroup, [...path, 'runAsGroup'], 64),
    runAsNonRoot: d.bool(o.runAsNonRoot, [...path, 'runAsNonRoot']),
    seLinuxOptions: d.strMap(o.seLinuxOptions, [...path, 'seLinuxOptions']),
    seccompProfile: seccomp
      ? defined({
          type: d.str(seccomp.type, [...path, 'seccompProfile', 'type']),
          localhostProfile: d.str(seccomp.localhostProfile, [...path, 'seccompProfile', 'localhostProfile']),
        })
      : undefined,
    appArmorProfile: apparmor
      ? defined({
          type: d.str(apparmor.type, [...path, 'appArmorProfile', 'type']),
          localhostProfile: d.str(apparmor.localhostProfile, [
            ...path,
            'appArmorProfile',
            'localhostProfile',
          ]),
        })
      : undefined,
  };
}

const COMMON_SC = [
  'windowsOptions',
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'seLinuxOptions',
  'seccompProfile',
  'appArmorProfile',
];

function podSecurityContext(d: Decoder, v: unknown, path: FieldPath): PodSecurityContext | undefined {
  const o = d.obj(v, path, [
    ...COMMON_SC,
    'fsGroup',
    'fsGroupChangePolicy',
    'supplementalGroups',
    'supplementalGroupsPolicy',
    'sysctls',
    'seLinuxChangePolicy',
  ]);
  if (!o) return undefined;
  return defined<PodSecurityContext>({
    ...common(d, o, path),
    fsGroup: d.int(o.fsGroup, [...path, 'fsGroup'], 64),
    fsGroupChangePolicy: d.str(o.fsGroupChangePolicy, [...path, 'fsGroupChangePolicy']),
    supplementalGroups: d.arr(o.supplementalGroups, [...path, 'supplementalGroups'], (x, p) =>
      d.int(x, p, 64),
    ),
    supplementalGroupsPolicy: d.str(o.supplementalGroupsPolicy, [...path, 'supplementalGroupsPolicy']),
    sysctls: d.arr(o.sysctls, [...path, 'sysctls'], (x, p) => {
      const s = d.obj(x, p, ['name', 'value']);
      return s
        ? { name: d.str(s.name, [...p, 'name']) ?? '', value: d.str(s.value, [...p, 'value']) ?? '' }
        : undefined;
    }),
    seLinuxChangePolicy: d.str(o.seLinuxChangePolicy, [...path, 'seLinuxChangePolicy']),
  });
}

function securityContext(d: Decoder, v: unknown, path: FieldPath): SecurityContext | undefined {
  const o = d.obj(v, path, [
    ...COMMON_SC,
    'privileged',
    'allowPrivilegeEscalation',
    'capabilities',
    'readOnlyRootFilesystem',
    'procMount',
  ]);
  if (!o) return undefined;
  const caps = d.obj(o.capabilities, [...path, 'capabilities'], ['add', 'drop']);
  return defined<SecurityContext>({
    ...common(d, o, path),
    privileged: d.bool(o.privileged, [...path, 'privileged']),
    allowPrivilegeEscalation: d.bool(o.allowPrivilegeEscalation, [...path, 'allowPrivilegeEscalation']),
    capabilities: caps
      ? defined({
          add: d.strArr(caps.add, [...path, 'capabilities', 'add']),
          drop: d.strArr(caps.drop, [...path, 'capabilities', 'drop']),
        })
      : undefined,
    readOnlyRootFilesystem: d.bool(o.readOnlyRootFilesystem, [...path, 'readOnlyRootFilesystem']),
    procMount: d.str(o.procMount, [...path, 'procMount']),
  });
}

function keySelector(d: Decoder, v: unknown, path: FieldPath): KeySelector | undefined {
  const o = d.obj(v, path, ['name', 'key', 'optional']);
  if (!o) return undefined;
  return defined<KeySelector>({
    name: d.str(o.name, [...path, 'name']),
    key: d.str(o.key, [...path, 'key']) ?? '',
    optional: d.bool(o.optional, [...path, 'optional']),
  });
}

function fieldSelector(d: Decoder, v: unknown, path: FieldPath): ObjectFieldSelector | undefined {
  const o = d.obj(v, path, ['apiVersion', 'fieldPath']);
  if (!o) return undefined;
  return {
    apiVersion: d.str(o.apiVersion, [...path, 'apiVersion']) ?? 'v1',
    fieldPath: d.str(o.fieldPath, [...path, 'fieldPath']) ?? '',
  };
}

function resourceSelector(d: Decoder, v: unknown, path: FieldPath): ResourceFieldSelector | undefined {
  const o = d.obj(v, path, ['containerName', 'resource', 'divisor']);
  if (!o) return undefined;
  return defined<ResourceFieldSelector>({
    containerName: d.str(o.containerName, [...path, 'containerName']),
    resource: d.str(o.resource, [...path, 'resource']) ?? '',
    divisor: d.quantity(o.divisor, [...path, 'divisor']),
  });
}

function envVar(d: Decoder, v: unknown, path: FieldPath): EnvVar | undefined {
  const o = d.obj(v, path, ['name', 'value', 'valueFrom']);
  if (!o) return undefined;
  const vf = d.obj(
    o.valueFrom,
    [...path, 'valueFrom'],
    ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'],
  );
  const vp = [...path, 'valueFrom'];
  return defined<EnvVar>({
    name: d.str(o.name, [...path, 'name']) ?? '',
    value: d.str(o.value, [...path, 'value']),
    valueFrom: vf
      ? defined({
          fieldRef: fieldSelector(d, vf.fieldRef, [...vp, 'fieldRef']),
          resourceFieldRef: resourceSelector(d, vf.resourceFieldRef, [...vp, 'resourceFieldRef']),
          configMapKeyRef: keySelector(d, vf.configMapKeyRef, [...vp, 'configMapKeyRef']),
          secretKeyRef: keySelector(d, vf.secretKeyRef, [...vp, 'secretKeyRef']),
        })
      : undefined,
  });
}

function envFrom(d: Decoder, v: unknown, path: FieldPath): EnvFromSource | undefined {
  const o = d.obj(v, path, ['prefix', 'configMapRef', 'secretRef']);
  if (!o) return undefined;
  const ref = (x: unknown, p: FieldPath) => {
    const r = d.obj(x, p, ['name', 'optional']);
    return r
      ? defined<{ name?: string; optional?: boolean }>({
          name: d.str(r.name, [...p, 'name']),
          optional: d.bool(r.optional, [...p, 'optional']),
        })
      : undefined;
  };
  return defined<EnvFromSource>({
    prefix: d.str(o.prefix, [...path, 'prefix']),
    configMapRef: ref(o.configMapRef, [...path, 'configMapRef']),
    secretRef: ref(o.secretRef, [...path, 'secretRef']),
  });
}

function port(d: Decoder, v: unknown, path: FieldPath): ContainerPort | undefined {
  const o = d.obj(v, path, ['name', 'containerPort', 'hostPort', 'protocol', 'hostIP']);
  if (!o) return undefined;
  return defined<ContainerPort>({
    name: d.str(o.name, [...path, 'name']),
    containerPort: d.int(o.containerPort, [...path, 'containerPort']) ?? 0,
    hostPort: d.int(o.hostPort, [...path, 'hostPort']),
    protocol: d.str(o.protocol, [...path, 'protocol']) ?? DEFAULT_PROTOCOL,
    hostIP: d.str(o.hostIP, [...path, 'hostIP']),
  });
}

function volumeMount(d: Decoder, v: unknown, path: FieldPath): VolumeMount | undefined {
  const o = d.obj(v, path, [
    'name',
    'mountPath',
    'readOnly',
    'subPath',
    'subPathExpr',
    'mountPropagation',
    'recursiveReadOnly',
  ]);
  if (!o) return undefined;
  return defined<VolumeMount>({
    name: d.str(o.name, [...path, 'name']) ?? '',
    mountPath: d.str(o.mountPath, [...path, 'mountPath']) ?? '',
    readOnly: d.bool(o.readOnly, [...path, 'readOnly']),
    subPath: d.str(o.subPath, [...path, 'subPath']),
    subPathExpr: d.str(o.subPathExpr, [...path, 'subPathExpr']),
    mountPropagation: d.str(o.mountPropagation, [...path, 'mountPropagation']),
  });
}

const HANDLER_FIELDS = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];

function handler(d: Decoder, o: Record<string, unknown>, path: FieldPath): Handler {
  const exec = d.obj(o.exec, [...path, 'exec'], ['command']);
  const http = d.obj(o.httpGet, [...path, 'httpGet'], ['path', 'port', 'host', 'scheme', 'httpHeaders']);
  const tcp = d.obj(o.tcpSocket, [...path, 'tcpSocket'], ['port', 'host']);
  const grpc = d.obj(o.grpc, [...path, 'grpc'], ['port', 'service']);
  const sleep = d.obj(o.sleep, [...path, 'sleep'], ['seconds']);
  const hp = [...path, 'httpGet'];
  return defined<Handler>({
    exec: exec ? defined({ command: d.strArr(exec.command, [...path, 'exec', 'command']) }) : undefined,
    httpGet: http
      ? defined({
          path: d.str(http.path, [...hp, 'path']),
          port: d.intOrString(http.port, [...hp, 'port']) ?? 0,
          host: d.str(http.host, [...hp, 'host']),
          scheme: d.str(http.scheme, [...hp, 'scheme']) ?? 'HTTP',
          httpHeaders: d.arr(http.httpHeaders, [...hp, 'httpHeaders'], (x, p) => {
            const h = d.obj(x, p, ['name', 'value']);
            return h
              ? { name: d.str(h.name, [...p, 'name']) ?? '', value: d.str(h.value, [...p, 'value']) ?? '' }
              : undefined;
          }),
        })
      : undefined,
    tcpSocket: tcp
      ? defined({
          port: d.intOrString(tcp.port, [...path, 'tcpSocket', 'port']) ?? 0,
          host: d.str(tcp.host, [...path, 'tcpSocket', 'host']),
        })
      : undefined,
    grpc: grpc
      ? defined({
          port: d.int(grpc.port, [...path, 'grpc', 'port']) ?? 0,
          service: d.str(grpc.service, [...path, 'grpc', 'service']),
        })
      : undefined,
    sleep: sleep ? { seconds: d.int(sleep.seconds, [...path, 'sleep', 'seconds'], 64) ?? 0 } : undefined,
  });
}

function probe(d: Decoder, v: unknown, path: FieldPath): Probe | undefined {
  const o = d.obj(v, path, [
    ...HANDLER_FIELDS,
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
    'terminationGracePeriodSeconds',
  ]);
  if (!o) return undefined;
  return defined<Probe>({
    ...handler(d, o, path),
    initialDelaySeconds:
      d.int(o.initialDelaySeconds, [...path, 'initialDelaySeconds']) ?? DEFAULT_PROBE.initialDelaySeconds,
    timeoutSeconds: d.int(o.timeoutSeconds, [...path, 'timeoutSeconds']) ?? DEFAULT_PROBE.timeoutSeconds,
    periodSeconds: d.int(o.periodSeconds, [...path, 'periodSeconds']) ?? DEFAULT_PROBE.periodSeconds,
    successThreshold:
      d.int(o.successThreshold, [...path, 'successThreshold']) ?? DEFAULT_PROBE.successThreshold,
    failureThreshold:
      d.int(o.failureThreshold, [...path, 'failureThreshold']) ?? DEFAULT_PROBE.failureThreshold,
    terminationGracePeriodSeconds: d.int(
      o.terminationGracePeriodSeconds,
      [...path, 'terminationGracePeriodSeconds'],
      64,
    ),
  });
}

function lifecycle(d: Decoder, v: unknown, path: FieldPath): Lifecycle | undefined {
  const o = d.obj(v, path, ['postStart', 'preStop', 'stopSignal']);
  if (!o) return undefined;
  const h = (x: unknown, p: FieldPath) => {
    const ho = d.obj(x, p, HANDLER_FIELDS);
    return ho ? handler(d, ho, p) : undefined;
  };
  return defined<Lifecycle>({
    postStart: h(o.postStart, [...path, 'postStart']),
    preStop: h(o.preStop, [...path, 'preStop']),
  });
}

const CONTAINER_FIELDS = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'restartPolicyRules',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
];

/** Decodes one container (init, regular or ephemeral). */
export function decodeContainer(
  d: Decoder,
  v: unknown,
  path: FieldPath,
  ephemeral = false,
): Container | undefined {
  const o = d.obj(v, path, ephemeral ? [...CONTAINER_FIELDS, 'targetContainerName'] : CONTAINER_FIELDS);
  if (!o) return undefined;
  const image = d.str(o.image, [...path, 'image']);
  const res = d.obj(o.resources, [...path, 'resources'], ['limits', 'requests', 'claims']);
  return defined<Container>({
    name: d.str(o.name, [...path, 'name']) ?? '',
    image,
    command: d.strArr(o.command, [...path, 'command']),
    args: d.strArr(o.args, [...path, 'args']),
    workingDir: d.str(o.workingDir, [...path, 'workingDir']),
    ports: d.arr(o.ports, [...path, 'ports'], (x, p) => port(d, x, p)),
    envFrom: d.arr(o.envFrom, [...path, 'envFrom'], (x, p) => envFrom(d, x, p)),
    env: d.arr(o.env, [...path, 'env'], (x, p) => envVar(d, x, p)),
    resources: res
      ? defined({
          limits: d.quantityMap(res.limits, [...path, 'resources', 'limits']),
          requests: d.quantityMap(res.requests, [...path, 'resources', 'requests']),
        })
      : undefined,
    restartPolicy: d.str(o.restartPolicy, [...path, 'restartPolicy']),
    volumeMounts: d.arr(o.volumeMounts, [...path, 'volumeMounts'], (x, p) => volumeMount(d, x, p)),
    livenessProbe: probe(d, o.livenessProbe, [...path, 'livenessProbe']),
    readinessProbe: probe(d, o.readinessProbe, [...path, 'readinessProbe']),
    startupProbe: probe(d, o.startupProbe, [...path, 'startupProbe']),
    lifecycle: lifecycle(d, o.lifecycle, [...path, 'lifecycle']),
    terminationMessagePath:
      d.str(o.terminationMessagePath, [...path, 'terminationMessagePath']) ??
      DEFAULT_TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy:
      d.str(o.terminationMessagePolicy, [...path, 'terminationMessagePolicy']) ??
      DEFAULT_TERMINATION_MESSAGE_POLICY,
    imagePullPolicy: d.str(o.imagePullPolicy, [...path, 'imagePullPolicy']) ?? defaultImagePullPolicy(image),
    securityContext: securityContext(d, o.securityContext, [...path, 'securityContext']),
    stdin: d.bool(o.stdin, [...path, 'stdin']),
    tty: d.bool(o.tty, [...path, 'tty']),
    targetContainerName: ephemeral
      ? d.str(o.targetContainerName, [...path, 'targetContainerName'])
      : undefined,
  });
}

function keyToPaths(d: Decoder, v: unknown, path: FieldPath): KeyToPath[] | undefined {
  return d.arr(v, path, (x, p) => {
    const o = d.obj(x, p, ['key', 'path', 'mode']);
    return o
      ? defined<KeyToPath>({
          key: d.str(o.key, [...p, 'key']) ?? '',
          path: d.str(o.path, [...p, 'path']) ?? '',
          mode: d.int(o.mode, [...p, 'mode']),
        })
      : undefined;
  });
}

function downwardItems(d: Decoder, v: unknown, path: FieldPath): DownwardAPIVolumeFile[] | undefined {
  return d.arr(v, path, (x, p) => {
    const o = d.obj(x, p, ['path', 'fieldRef', 'resourceFieldRef', 'mode']);
    return o
      ? defined<DownwardAPIVolumeFile>({
          path: d.str(o.path, [...p, 'path']) ?? '',
          fieldRef: fieldSelector(d, o.fieldRef, [...p, 'fieldRef']),
          resourceFieldRef: resourceSelector(d, o.resourceFieldRef, [...p, 'resourceFieldRef']),
          mode: d.int(o.mode, [...p, 'mode']),
        })
      : undefined;
  });
}

/** Every volume source the API defines; those hostpod implements are decoded, the rest noted. */
export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];
/** The volume sources hostpod implements. */
export const SUPPORTED_VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'secret',
  'persistentVolumeClaim',
  'downwardAPI',
  'configMap',
  'projected',
];

function volume(d: Decoder, v: unknown, path: FieldPath): Volume | undefined {
  const o = d.obj(v, path, ['name', ...VOLUME_SOURCES]);
  if (!o) return undefined;
  const p = (k: string) => [...path, k];
  const ed = d.obj(o.emptyDir, p('emptyDir'), ['medium', 'sizeLimit']);
  const hp = d.obj(o.hostPath, p('hostPath'), ['path', 'type']);
  const cm = d.obj(o.configMap, p('configMap'), ['name', 'items', 'defaultMode', 'optional']);
  const sec = d.obj(o.secret, p('secret'), ['secretName', 'items', 'defaultMode', 'optional']);
  const dw = d.obj(o.downwardAPI, p('downwardAPI'), ['items', 'defaultMode']);
  const pj = d.obj(o.projected, p('projected'), ['sources', 'defaultMode']);
  const pvc = d.obj(o.persistentVolumeClaim, p('persistentVolumeClaim'), ['claimName', 'readOnly']);
  const others = VOLUME_SOURCES.filter(
    (k) => !SUPPORTED_VOLUME_SOURCES.includes(k) && o[k] !== undefined && o[k] !== null,
  );
  return defined<Volume>({
    name: d.str(o.name, p('name')) ?? '',
    emptyDir: ed
      ? defined({
          medium: d.str(ed.medium, [...p('emptyDir'), 'medium']),
          sizeLimit: d.quantity(ed.sizeLimit, [...p('emptyDir'), 'sizeLimit']),
        })
      : undefined,
    hostPath: hp
      ? {
          path: d.str(hp.path, [...p('hostPath'), 'path']) ?? '',
          type: d.str(hp.type, [...p('hostPath'), 'type']) ?? '',
        }
      : undefined,
    configMap: cm
      ? defined({
          name: d.str(cm.name, [...p('configMap'), 'name']),
          items: keyToPaths(d, cm.items, [...p('configMap'), 'items']),
          defaultMode: d.int(cm.defaultMode, [...p('configMap'), 'defaultMode']) ?? DEFAULT_VOLUME_MODE,
          optional: d.bool(cm.optional, [...p('configMap'), 'optional']),
        })
      : undefined,
    secret: sec
      ? defined({
          secretName: d.str(sec.secretName, [...p('secret'), 'secretName']),
          items: keyToPaths(d, sec.items, [...p('secret'), 'items']),
          defaultMode: d.int(sec.defaultMode, [...p('secret'), 'defaultMode']) ?? DEFAULT_VOLUME_MODE,
          optional: d.bool(sec.optional, [...p('secret'), 'optional']),
        })
      : undefined,
    downwardAPI: dw
      ? defined({
          items: downwardItems(d, dw.items, [...p('downwardAPI'), 'items']),
          defaultMode: d.int(dw.defaultMode, [...p('downwardAPI'), 'defaultMode']) ?? DEFAULT_VOLUME_MODE,
        })
      : undefined,
    projected: pj
      ? defined({
          sources: d.arr(pj.sources, [...p('projected'), 'sources'], (x, sp) => projection(d, x, sp)),
          defaultMode: d.int(pj.defaultMode, [...p('projected'), 'defaultMode']) ?? DEFAULT_VOLUME_MODE,
        })
      : undefined,
    persistentVolumeClaim: pvc
      ? defined({
          claimName: d.str(pvc.claimName, [...p('persistentVolumeClaim'), 'claimName']) ?? '',
          readOnly: d.bool(pvc.readOnly, [...p('persistentVolumeClaim'), 'readOnly']),
        })
      : undefined,
    otherSources: others,
  });
}

function projection(d: Decoder, v: unknown, path: FieldPath): ProjectionSource | undefined {
  const o = d.obj(v, path, [
    'configMap',
    'secret',
    'downwardAPI',
    'serviceAccountToken',
    'clusterTrustBundle',
    'podCertificate',
  ]);
  if (!o) return undefined;
  const ref = (k: 'configMap' | 'secret') => {
    const r = d.obj(o[k], [...path, k], ['name', 'items', 'optional']);
    return r
      ? defined({
          name: d.str(r.name, [...path, k, 'name']),
          items: keyToPaths(d, r.items, [...path, k, 'items']),
          optional: d.bool(r.optional, [...path, k, 'optional']),
        })
      : undefined;
  };
  const dw = d.obj(o.downwardAPI, [...path, 'downwardAPI'], ['items']);
  const sat = d.obj(
    o.serviceAccountToken,
    [...path, 'serviceAccountToken'],
    ['audience', 'expirationSeconds', 'path'],
  );
  const sp = [...path, 'serviceAccountToken'];
  return defined<ProjectionSource>({
    configMap: ref('configMap'),
    secret: ref('secret'),
    downwardAPI: dw
      ? defined({ items: downwardItems(d, dw.items, [...path, 'downwardAPI', 'items']) })
      : undefined,
    serviceAccountToken: sat
      ? defined({
          audience: d.str(sat.audience, [...sp, 'audience']),
          expirationSeconds:
            d.int(sat.expirationSeconds, [...sp, 'expirationSeconds'], 64) ??
            DEFAULT_SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS,
          path: d.str(sat.path, [...sp, 'path']) ?? '',
        })
      : undefined,
    clusterTrustBundle: d.obj(o.clusterTrustBundle, [...path, 'clusterTrustBundle']),
  });
}

function selectorTerm(d: Decoder, v: unknown, path: FieldPath): NodeSelectorTerm | undefined {
  const o = d.obj(v, path, ['matchExpressions', 'matchFields']);
  if (!o) return undefined;
  const reqs = (x: unknown, p: FieldPath) =>
    d.arr(x, p, (r, rp) => {
      const ro = d.obj(r, rp, ['key', 'operator', 'values']);
      return ro
        ? defined({
            key: d.str(ro.key, [...rp, 'key']) ?? '',
            operator: d.str(ro.operator, [...rp, 'operator']) ?? '',
            values: d.strArr(ro.values, [...rp, 'values']),
          })
        : undefined;
    });
  return defined<NodeSelectorTerm>({
    matchExpressions: reqs(o.matchExpressions, [...path, 'matchExpressions']),
    matchFields: reqs(o.matchFields, [...path, 'matchFields']),
  });
}

function affinity(d: Decoder, v: unknown, path: FieldPath): Affinity | undefined {
  const o = d.obj(v, path, ['nodeAffinity', 'podAffinity', 'podAntiAffinity']);
  if (!o) return undefined;
  const np = [...path, 'nodeAffinity'];
  const na = d.obj(o.nodeAffinity, np, [
    'requiredDuringSchedulingIgnoredDuringExecution',
    'preferredDuringSchedulingIgnoredDuringExecution',
  ]);
  if (!na) return {};
  const rp = [...np, 'requiredDuringSchedulingIgnoredDuringExecution'];
  const req = d.obj(na.requiredDuringSchedulingIgnoredDuringExecution, rp, ['nodeSelectorTerms']);
  const pp = [...np, 'preferredDuringSchedulingIgnoredDuringExecution'];
  return {
    nodeAffinity: defined({
      requiredDuringSchedulingIgnoredDuringExecution: req
        ? {
            nodeSelectorTerms:
              d.arr(req.nodeSelectorTerms, [...rp, 'nodeSelectorTerms'], (x, p) => selectorTerm(d, x, p)) ??
              [],
          }
        : undefined,
      preferredDuringSchedulingIgnoredDuringExecution: d.arr(
        na.preferredDuringSchedulingIgnoredDuringExecution,
        pp,
        (x, p) => {
          const w = d.obj(x, p, ['weight', 'preference']);
          if (!w) return undefined;
          return {
            weight: d.int(w.weight, [...p, 'weight']) ?? 0,
            preference: selectorTerm(d, w.preference, [...p, 'preference']) ?? {},
          };
        },
      ),
    }),
  };
}

function toleration(d: Decoder, v: unknown, path: FieldPath): Toleration | undefined {
  const o = d.obj(v, path, ['key', 'operator', 'value', 'effect', 'tolerationSeconds']);
  if (!o) return undefined;
  return defined<Toleration>({
    key: d.str(o.key, [...path, 'key']),
    operator: d.str(o.operator, [...path, 'operator']),
    value: d.str(o.value, [...path, 'value']),
    effect: d.str(o.effect, [...path, 'effect']),
    tolerationSeconds: d.int(o.tolerationSeconds, [...path, 'tolerationSeconds'], 64),
  });
}

const POD_SPEC_FIELDS = [
  'volumes',
  'initContainers',
  'containers',
  'ephemeralContainers',
  'restartPolicy',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'dnsPolicy',
  'nodeSelector',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
  'nodeName',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'shareProcessNamespace',
  'securityContext',
  'imagePullSecrets',
  'hostname',
  'subdomain',
  'affinity',
  'schedulerName',
  'tolerations',
  'hostAliases',
  'priorityClassName',
  'priority',
  'dnsConfig',
  'readinessGates',
  'runtimeClassName',
  'enableServiceLinks',
  'preemptionPolicy',
  'overhead',
  'topologySpreadConstraints',
  'setHostnameAsFQDN',
  'os',
  'hostUsers',
  'schedulingGates',
  'resourceClaims',
  'resources',
  'hostnameOverride',
];

/** Decodes a PodSpec at `path` (e.g. `spec` or `spec.template.spec`), defaults applied. */
export function decodePodSpec(d: Decoder, v: unknown, path: FieldPath): PodSpec {
  const o = d.obj(v, path, POD_SPEC_FIELDS) ?? {};
  const p = (k: string) => [...path, k];
  const os = d.obj(o.os, p('os'), ['name']);
  const hostNetwork = d.bool(o.hostNetwork, p('hostNetwork'));
  return defined<PodSpec>({
    volumes: d.arr(o.volumes, p('volumes'), (x, vp) => volume(d, x, vp)),
    initContainers: d.arr(o.initContainers, p('initContainers'), (x, cp) => decodeContainer(d, x, cp)),
    containers: d.arr(o.containers, p('containers'), (x, cp) => decodeContainer(d, x, cp)) ?? [],
    ephemeralContainers: d.arr(o.ephemeralContainers, p('ephemeralContainers'), (x, cp) =>
      decodeContainer(d, x, cp, true),
    ),
    restartPolicy: d.str(o.restartPolicy, p('restartPolicy')) ?? DEFAULT_RESTART_POLICY,
    terminationGracePeriodSeconds:
      d.int(o.terminationGracePeriodSeconds, p('terminationGracePeriodSeconds'), 64) ??
      DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    activeDeadlineSeconds: d.int(o.activeDeadlineSeconds, p('activeDeadlineSeconds'), 64),
    dnsPolicy: d.str(o.dnsPolicy, p('dnsPolicy')) ?? DEFAULT_DNS_POLICY,
    dnsConfig: decodeDnsConfig(d, o.dnsConfig, p('dnsConfig')),
    nodeSelector: d.strMap(o.nodeSelector, p('nodeSelector')),
    serviceAccountName:
      d.str(o.serviceAccountName, p('serviceAccountName')) ?? d.str(o.serviceAccount, p('serviceAccount')),
    automountServiceAccountToken: d.bool(o.automountServiceAccountToken, p('automountServiceAccountToken')),
    nodeName: d.str(o.nodeName, p('nodeName')),
    hostNetwork,
    hostPID: d.bool(o.hostPID, p('hostPID')),
    hostIPC: d.bool(o.hostIPC, p('hostIPC')),
    shareProcessNamespace: d.bool(o.shareProcessNamespace, p('shareProcessNamespace')),
    hostUsers: d.bool(o.hostUsers, p('hostUsers')),
    securityContext: podSecurityContext(d, o.securityContext, p('securityContext')),
    hostname: d.str(o.hostname, p('hostname')),
    subdomain: d.str(o.subdomain, p('subdomain')),
    affinity: affinity(d, o.affinity, p('affinity')),
    tolerations: d.arr(o.tolerations, p('tolerations'), (x, tp) => toleration(d, x, tp)),
    priorityClassName: d.str(o.priorityClassName, p('priorityClassName')),
    os: os ? { name: d.str(os.name, [...p('os'), 'name']) ?? '' } : undefined,
    enableServiceLinks: d.bool(o.enableServiceLinks, p('enableServiceLinks')) ?? true,
    schedulerName: d.str(o.schedulerName, p('schedulerName')) ?? DEFAULT_SCHEDULER_NAME,
  });
}
