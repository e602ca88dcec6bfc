// Sidecar injection as a pure function: a pod in, the JSONPatch that adds Weft's native sidecar (and its capture step) out.
import {
  APP_PROBES_ENV,
  fail,
  ok,
  PROXY_ADMIN_PORT,
  SIDECAR_INBOUND_PORT,
  SIDECAR_OUTBOUND_PORT,
  type FieldError,
  type Result,
} from '@app/protocol';
import {
  ANNOTATIONS,
  injectionOptions,
  skipReason,
  type InjectionOptions,
} from './injection-options.js';
import type { JsonPatchOp, PodContainer, PodManifest } from './pod-manifest.js';
import { rewriteAppProbes, type ProbeRewrite } from './probe-rewrite.js';
import { RESOURCE_ATTRIBUTE_ENV } from './resource-attribute-env.js';

/** The proxy's uid and gid: `weft init-capture` exempts its traffic, so no app may run as it. */
export const PROXY_UID = 1337;
export const PROXY_CONTAINER = 'weft-proxy';
export const CAPTURE_CONTAINER = 'weft-init-capture';
/**
 * The label every injected pod gets: what a Prometheus Operator PodMonitor (the chart's, with
 * serviceMonitor.sidecars) selects the proxies to scrape by; PodMonitors select by label only.
 */
export const PROXY_LABEL = { key: 'weft.dev/proxy', value: 'injected' } as const;
const CREDS_DIR = '/etc/weft/nats';
export const CREDS_KEY = 'proxy.creds';
/** Where the chart mounts its components' NATS TLS files too. */
const NATS_TLS_DIR = '/etc/weft/nats-tls';

/** What the control plane puts in every injected proxy (its own settings, the mesh's). */
export interface InjectionSettings {
  readonly image: string;
  readonly imagePullPolicy: string;
  readonly natsUrl: string;
  readonly subjectPrefix: string;
  readonly trustDomain: string;
  readonly logLevel: string;
  /** The control plane's cluster (its `WEFT_CLUSTER`): its proxies run there too. Unset: one cluster. */
  readonly cluster?: string;
  /** NATS over TLS: the Secret (in the pod's namespace) of the server CA, and of a client certificate. */
  readonly natsTls?: { readonly secretName: string; readonly clientCertificate: boolean };
}

export type InjectionOutcome =
  | { readonly injected: false; readonly reason: string }
  | {
      readonly injected: true;
      readonly pod: PodManifest;
      readonly patch: readonly JsonPatchOp[];
      /** The settings it was injected with: the proxy's identity and its credentials' Secret. */
      readonly options: InjectionOptions;
    };

/**
 * Injects the proxy as a Kubernetes native sidecar (an init container with `restartPolicy:
 * Always`, 1.29+): the kubelet starts it before the app containers and waits for its startup
 * probe (`/readyz`), keeps it running beside them, and stops it after them, so a Job completes
 * and the app never starts or stops without its proxy. With capture (the default), a
 * `weft init-capture` init container runs first and redirects the pod's traffic through it.
 */
export function injectSidecar(
  pod: PodManifest,
  namespace: string,
  settings: InjectionSettings,
): Result<InjectionOutcome> {
  const resource = `Pod/${namespace}/${pod.metadata?.name || pod.metadata?.generateName || '<unnamed>'}`;
  const skip = skipReason(pod);
  if (skip !== undefined) return ok({ injected: false, reason: skip });
  const read = injectionOptions(pod, resource);
  if (!read.ok) return read;
  const options = read.value;
  // Without capture the kubelet's probes reach the app directly: nothing to rewrite. A pod may
  // also opt out (weft.dev/rewrite-probes: "false"), e.g. when its probe port is excluded from capture.
  const probes: Result<ProbeRewrite | undefined> =
    options.capture && options.rewriteProbes ? rewriteAppProbes(pod, resource) : ok(undefined);
  const clashes = [
    ...nameClashes(pod, resource),
    ...(options.capture ? proxyUidUsers(pod, resource) : []),
    ...(probes.ok ? [] : probes.errors),
  ];
  if (clashes.length > 0 || !probes.ok) return fail(clashes);
  const rewrite = probes.value;

  const added = [
    ...(options.capture ? [captureContainer(options, settings)] : []),
    proxyContainer(pod, namespace, options, settings, rewrite?.originals ?? {}),
  ];
  const volumes = proxyVolumes(options, settings);
  const annotations = { ...pod.metadata?.annotations, [ANNOTATIONS.status]: 'injected' };
  const labels = { ...pod.metadata?.labels, [PROXY_LABEL.key]: PROXY_LABEL.value };
  const patched: PodManifest = {
    ...pod,
    metadata: { ...pod.metadata, annotations, labels },
    spec: {
      ...pod.spec,
      containers: rewrite?.containers ?? pod.spec.containers,
      initContainers: [...added, ...(pod.spec.initContainers ?? [])],
      volumes: [...(pod.spec.volumes ?? []), ...volumes],
    },
  };
  const patch = [...patchOps(pod, added, volumes), ...(rewrite?.ops ?? [])];
  return ok({ injected: true, pod: patched, patch, options });
}

/** The same change as JSONPatch `add`s, what an AdmissionReview response carries. */
function patchOps(pod: PodManifest, added: PodContainer[], volumes: unknown[]): JsonPatchOp[] {
  const annotation = { [ANNOTATIONS.status]: 'injected' };
  const label = { [PROXY_LABEL.key]: PROXY_LABEL.value };
  const ops: JsonPatchOp[] =
    pod.metadata === undefined
      ? [{ op: 'add', path: '/metadata', value: { annotations: annotation, labels: label } }]
      : [
          ...mapEntryOps('/metadata/annotations', pod.metadata.annotations, annotation),
          ...mapEntryOps('/metadata/labels', pod.metadata.labels, label),
        ];
  if (!pod.spec.initContainers?.length) {
    ops.push({ op: 'add', path: '/spec/initContainers', value: added });
  } else {
    // Each added at the front, the last first: they run before the pod's own init containers.
    for (const container of [...added].reverse()) {
      ops.push({ op: 'add', path: '/spec/initContainers/0', value: container });
    }
  }
  if (!pod.spec.volumes?.length) {
    ops.push({ op: 'add', path: '/spec/volumes', value: volumes });
  } else {
    for (const volume of volumes) ops.push({ op: 'add', path: '/spec/volumes/-', value: volume });
  }
  return ops;
}

/** Adds `entries` to the map at `path`: the whole map when the pod has none, else key by key. */
function mapEntryOps(
  path: string,
  existing: Readonly<Record<string, string>> | undefined,
  entries: Record<string, string>,
): JsonPatchOp[] {
  if (existing === undefined) return [{ op: 'add', path, value: entries }];
  return Object.entries(entries).map(([key, value]) => ({
    op: 'add',
    path: `${path}/${pointerToken(key)}`,
    value,
  }));
}

/** RFC 6901: `~` and `/` in a key. */
function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function proxyContainer(
  pod: PodManifest,
  namespace: string,
  options: InjectionOptions,
  settings: InjectionSettings,
  appProbes: Readonly<Record<string, unknown>>,
): PodContainer {
  const labels = Object.entries(pod.metadata?.labels ?? {})
    .filter(([key]) => !key.startsWith('weft.dev/'))
    .map(([key, value]) => `${key}=${value}`)
    .sort()
    .join(',');
  const value = (name: string, v: string | number) => ({ name, value: String(v) });
  const probe = (path: string) => ({ httpGet: { path, port: PROXY_ADMIN_PORT } });
  return {
    name: PROXY_CONTAINER,
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    args: ['sidecar'],
    // A native sidecar: started before the app containers, stopped after them.
    restartPolicy: 'Always',
    env: [
      value('NATS_URL', settings.natsUrl),
      value('WEFT_NATS_CREDS', `${CREDS_DIR}/${CREDS_KEY}`),
      value('WEFT_SUBJECT_PREFIX', settings.subjectPrefix),
      value('WEFT_TRUST_DOMAIN', settings.trustDomain),
      value('WEFT_LOG_LEVEL', options.logLevel ?? settings.logLevel),
      value('WEFT_MODE', 'sidecar'),
      ...(settings.cluster === undefined ? [] : [value('WEFT_CLUSTER', settings.cluster)]),
      value('WEFT_NAMESPACE', namespace),
      value('WEFT_SERVICE', options.service),
      value('WEFT_SERVICE_ACCOUNT', options.serviceAccount),
      value('WEFT_APP_PORT', options.appPort),
      ...(labels === '' ? [] : [value('WEFT_LABELS', labels)]),
      // The app's probes as they were: the proxy answers /app-health/… by sending them on.
      ...(Object.keys(appProbes).length === 0
        ? []
        : [value(APP_PROBES_ENV, JSON.stringify(appProbes))]),
      { name: 'WEFT_ADVERTISE_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ...RESOURCE_ATTRIBUTE_ENV,
      ...natsTlsEnv(settings),
    ],
    ports: [
      { name: 'weft-admin', containerPort: PROXY_ADMIN_PORT },
      { name: 'weft-inbound', containerPort: SIDECAR_INBOUND_PORT },
    ],
    // The kubelet starts the app containers once this passes: the proxy is ready first.
    startupProbe: { ...probe('/readyz'), periodSeconds: 1, failureThreshold: 300 },
    readinessProbe: { ...probe('/readyz'), periodSeconds: 5 },
    livenessProbe: { ...probe('/healthz'), periodSeconds: 10, failureThreshold: 6 },
    resources: {
      requests: { cpu: options.cpu, memory: options.memory },
      limits: { memory: options.memoryLimit },
    },
    securityContext: {
      runAsUser: PROXY_UID,
      runAsGroup: PROXY_UID,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: 'weft-state', mountPath: '/var/lib/weft' },
      { name: 'weft-tmp', mountPath: '/tmp' },
      { name: 'weft-nats-credentials', mountPath: CREDS_DIR, readOnly: true },
      ...(settings.natsTls
        ? [{ name: 'weft-nats-tls', mountPath: NATS_TLS_DIR, readOnly: true }]
        : []),
    ],
  };
}

/** The NATS TLS files as the chart's components get them (`WEFT_NATS_TLS_CA`, `_CERT`, `_KEY`). */
function natsTlsEnv(settings: InjectionSettings): { name: string; value: string }[] {
  const tls = settings.natsTls;
  if (!tls) return [];
  return [
    { name: 'WEFT_NATS_TLS_CA', value: `${NATS_TLS_DIR}/ca.crt` },
    ...(tls.clientCertificate
      ? [
          { name: 'WEFT_NATS_TLS_CERT', value: `${NATS_TLS_DIR}/tls.crt` },
          { name: 'WEFT_NATS_TLS_KEY', value: `${NATS_TLS_DIR}/tls.key` },
        ]
      : []),
  ];
}

function captureContainer(options: InjectionOptions, settings: InjectionSettings): PodContainer {
  const uid = String(PROXY_UID);
  return {
    name: CAPTURE_CONTAINER,
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    args: [
      'cli',
      'init-capture',
      ...['--uid', uid, '--gid', uid],
      ...['--inbound-port', String(SIDECAR_INBOUND_PORT)],
      ...['--outbound-port', String(SIDECAR_OUTBOUND_PORT)],
      ...['--admin-port', String(PROXY_ADMIN_PORT)],
      ...(options.outboundPorts === undefined ? [] : ['--outbound-ports', options.outboundPorts]),
      ...(options.excludeInboundPorts === undefined
        ? []
        : ['--exclude-inbound-ports', options.excludeInboundPorts]),
    ],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
    // iptables needs root and NET_ADMIN/NET_RAW in the pod's network namespace, for this step only.
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
    // iptables takes its lock in /run.
    volumeMounts: [{ name: 'weft-capture-run', mountPath: '/run' }],
  };
}

function proxyVolumes(options: InjectionOptions, settings: InjectionSettings): unknown[] {
  return [
    { name: 'weft-state', emptyDir: {} },
    { name: 'weft-tmp', emptyDir: {} },
    ...(options.capture ? [{ name: 'weft-capture-run', emptyDir: {} }] : []),
    // Readable by the proxy's uid without a pod-wide fsGroup; only the proxy mounts it.
    {
      name: 'weft-nats-credentials',
      secret: { secretName: options.credsSecret, defaultMode: 0o444 },
    },
    ...(settings.natsTls
      ? [
          {
            name: 'weft-nats-tls',
            secret: { secretName: settings.natsTls.secretName, defaultMode: 0o444 },
          },
        ]
      : []),
  ];
}

/** Containers or volumes already named as the injected ones: never overwritten. */
function nameClashes(pod: PodManifest, resource: string): FieldError[] {
  const ours = new Set([PROXY_CONTAINER, CAPTURE_CONTAINER]);
  const volumes = new Set([
    'weft-state',
    'weft-tmp',
    'weft-capture-run',
    'weft-nats-credentials',
    'weft-nats-tls',
  ]);
  const errors: FieldError[] = [];
  for (const field of ['containers', 'initContainers'] as const) {
    (pod.spec[field] ?? []).forEach((c, i) => {
      if (ours.has(c.name)) {
        errors.push({
          resource,
          path: `spec.${field}[${i}].name`,
          message: `"${c.name}" is the name of Weft's injected container`,
        });
      }
    });
  }
  (pod.spec.volumes ?? []).forEach((v, i) => {
    const name = (v as { name?: unknown }).name;
    if (typeof name === 'string' && volumes.has(name)) {
      errors.push({
        resource,
        path: `spec.volumes[${i}].name`,
        message: `"${name}" is the name of a volume Weft injects`,
      });
    }
  });
  return errors;
}

/**
 * Containers that would run as the proxy's uid: capture exempts that uid's traffic, so their
 * calls would leave the pod unmeshed (Istio documents the same for its 1337).
 */
function proxyUidUsers(pod: PodManifest, resource: string): FieldError[] {
  const podUid = pod.spec.securityContext?.runAsUser;
  const errors: FieldError[] = [];
  for (const field of ['containers', 'initContainers'] as const) {
    (pod.spec[field] ?? []).forEach((c, i) => {
      if ((c.securityContext?.runAsUser ?? podUid) !== PROXY_UID) return;
      const own = c.securityContext?.runAsUser !== undefined;
      errors.push({
        resource,
        path: own
          ? `spec.${field}[${i}].securityContext.runAsUser`
          : 'spec.securityContext.runAsUser',
        message: `container "${c.name}" runs as uid ${PROXY_UID}, the proxy's: capture exempts that uid, so its traffic would bypass the mesh`,
      });
    });
  }
  return errors;
}
