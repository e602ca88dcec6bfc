// What each kind of NATS user may publish and subscribe: one pure function from a role and its
// entitlement to nats-server allow/deny lists, used by `weft nats-config`, `weft token create` and
// the tests alike. Each list is what the code of that role actually publishes and subscribes.
import { KV_STREAM_PREFIX, type Subjects } from './subjects.js';

export const NATS_ROLES = [
  'control-plane',
  'proxy',
  'node',
  'router',
  'cli-read',
  'cli-admin',
  'cluster-link',
  'site-link',
] as const;
export type NatsRole = (typeof NATS_ROLES)[number];

/** A workload as the mesh names it: the Service it is an instance of, and who it runs as. */
export interface WorkloadIdentity {
  readonly namespace: string;
  readonly service: string;
  readonly serviceAccount: string;
}

/** What one NATS user is for, and for whom. */
export type Entitlement =
  | { readonly role: 'control-plane' }
  /** A sidecar, or a router: one workload identity (a router's is its own). */
  | { readonly role: 'proxy' | 'router'; readonly identity: WorkloadIdentity }
  /**
   * A node proxy: its own identity (its ACKs, snapshots, outbound access logs and bus calls) and
   * one per workload it fronts (their heartbeats, inbound access logs, certificates, bus answers).
   */
  | {
      readonly role: 'node';
      readonly identity: WorkloadIdentity;
      readonly workloads: readonly WorkloadIdentity[];
    }
  /** A `weft` CLI user; `name` (a DNS label) keeps its replies apart from other users'. */
  | { readonly role: 'cli-read' | 'cli-admin'; readonly name: string }
  /**
   * The leaf-node link from one cluster's NATS to another's (docs/multi-cluster.md): its permissions
   * are what crosses between clusters, in both directions.
   */
  | { readonly role: 'cluster-link' }
  /**
   * The leaf-node link a site's NATS opens to its cluster's (docs/multi-cluster.md#sites): what the
   * site's proxies, fronting `workloads`, exchange with the cluster, and bus calls both ways.
   */
  | { readonly role: 'site-link'; readonly workloads: readonly WorkloadIdentity[] };

export interface SubjectPermission {
  /** Subjects (wildcards allowed); a subscribe entry `"<subject> <queue>"` allows only that queue. */
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

export interface NatsPermissions {
  readonly pub: SubjectPermission;
  readonly sub: SubjectPermission;
}

/** Where replies to a connection's requests (and bus frames to its exchanges) are addressed. */
export const INBOX_ROOT = '_INBOX';

/** Everything, for the control plane: it owns the WEFT account. */
const EVERYTHING: SubjectPermission = { allow: ['>'], deny: [] };

/**
 * The inbox prefix of a user: workloads `_INBOX.<ns>.<sa>`, CLI users `_INBOX._cli.<name>` (`_` is in
 * no DNS label, so the two never overlap), the control plane the client default. A user may
 * subscribe only under its own prefix, so nobody reads another party's replies or bus frames.
 */
export function inboxPrefix(entitlement: Entitlement): string {
  switch (entitlement.role) {
    case 'control-plane':
    case 'cluster-link':
    case 'site-link':
      return INBOX_ROOT;
    case 'cli-read':
    case 'cli-admin':
      return `${INBOX_ROOT}._cli.${entitlement.name}`;
    default: {
      const { namespace, serviceAccount } = entitlement.identity;
      return `${INBOX_ROOT}.${namespace}.${serviceAccount}`;
    }
  }
}

/**
 * The inbox prefix a subscribe allow list grants (the one `_INBOX.<…>.>` entry), so a client holding
 * only its credentials knows which prefix to use; undefined when the list grants no single one.
 */
export function grantedInboxPrefix(subscribeAllow: readonly string[]): string | undefined {
  const inboxes = subscribeAllow.filter(
    (s) => s.startsWith(`${INBOX_ROOT}.`) && s.endsWith('.>') && !s.includes(' '),
  );
  return inboxes.length === 1 ? inboxes[0].slice(0, -2) : undefined;
}

/** The allow/deny lists of `entitlement` under `subjects`' prefix. */
export function natsPermissions(subjects: Subjects, entitlement: Entitlement): NatsPermissions {
  switch (entitlement.role) {
    case 'control-plane':
      return { pub: EVERYTHING, sub: EVERYTHING };
    case 'cli-read':
    case 'cli-admin':
      return cliPermissions(subjects, entitlement);
    case 'proxy':
      return proxyPermissions(subjects, entitlement.identity, [entitlement.identity], 'sidecar');
    case 'node':
      return proxyPermissions(subjects, entitlement.identity, entitlement.workloads, 'sidecar');
    case 'router':
      return proxyPermissions(subjects, entitlement.identity, [], 'router');
    case 'cluster-link':
      return clusterLinkPermissions(subjects);
    case 'site-link':
      return siteLinkPermissions(subjects, entitlement.workloads);
  }
}

/**
 * What crosses a cluster link (a leaf-node connection between two clusters' NATS), both ways: bus
 * calls (each still published by its caller as itself, which its own cluster's server checked),
 * their inboxes (replies and bus frames), and the control planes' clusterset announcements. Not
 * config, health, ACKs, telemetry, certificates or JetStream: each cluster keeps its own.
 */
function clusterLinkPermissions(subjects: Subjects): NatsPermissions {
  // `rpc.>`, not `rpc.*.*.*.*`: nats-server 2.9.10 sends a responder's `rpc.<ns>.<svc>.*.*` interest
  // over a leaf node only when an allow entry ends in `>` (checked here).
  const crossing = [subjects.rpcAll, `${INBOX_ROOT}.>`, subjects.clustersetAll];
  return { pub: { allow: crossing, deny: [] }, sub: { allow: crossing, deny: [] } };
}

/**
 * What crosses a site's leaf node (`pub`: from the site into its cluster; `sub`: from the cluster to
 * the site): its workloads' heartbeats, certificate requests, access logs, ACKs, telemetry and reads
 * of the config bucket out; announcements, the CA bundle and calls to its workloads' namespaces in;
 * replies both ways. nats-server 2.9.10 tells a leaf node of the cluster's interest in a subject
 * with a `*` (a responder's `rpc.<ns>.<svc>.*.*`, the control plane's `proxy.*.*.*.ack`) only under
 * an allow entry with the same wildcards or ending in `>` (checked here), so bus calls, ACKs and
 * telemetry out are allowed for any identity: the cluster trusts the site's server to let each of
 * its clients publish only as itself, as it trusts a linked cluster's.
 */
function siteLinkPermissions(
  subjects: Subjects,
  workloads: readonly WorkloadIdentity[],
): NatsPermissions {
  const out = [
    subjects.rpcAll,
    `${INBOX_ROOT}.>`,
    subjects.proxyAckAll,
    subjects.telemetryMetricsAll,
    ...workloads.flatMap((w) => [
      subjects.health(w.namespace, w.service, w.serviceAccount, '*'),
      subjects.accessLog(w.namespace, w.service),
      subjects.caSign(w.namespace, w.serviceAccount),
    ]),
    ...kvReads(subjects.configBucket, true),
  ];
  const into = [
    ...workloads.map((w) => subjects.rpcToNamespace(w.namespace)),
    `${INBOX_ROOT}.>`,
    subjects.configAnnouncementsAll,
    subjects.controlPlaneReady,
    subjects.caBundle,
  ];
  return {
    pub: { allow: unique(out), deny: forbiddenWrites(subjects) },
    sub: { allow: unique(into), deny: [] },
  };
}

/**
 * A proxy publishes only for its own identity (and, a node proxy, its workloads'): heartbeats,
 * ACKs, snapshots, access logs, certificate requests, bus calls as itself; it reads the config
 * bucket and never writes any bucket or the control plane's subjects.
 */
function proxyPermissions(
  subjects: Subjects,
  self: WorkloadIdentity,
  workloads: readonly WorkloadIdentity[],
  kind: 'sidecar' | 'router',
): NatsPermissions {
  const { namespace, service, serviceAccount } = self;
  const all = [self, ...workloads];
  const publish = [
    ...workloads.map((w) => subjects.health(w.namespace, w.service, w.serviceAccount, '*')),
    subjects.proxyAck(namespace, service, '*'),
    subjects.telemetryMetrics(namespace, service, '*'),
    ...all.map((w) => subjects.accessLog(w.namespace, w.service)),
    ...all.map((w) => subjects.caSign(w.namespace, w.serviceAccount)),
    // Bus calls as itself, to any Service.
    subjects.rpc('*', '*', namespace, serviceAccount),
    // Replies: bus frames to a peer's exchange inbox, `$SRV` discovery answers.
    `${INBOX_ROOT}.>`,
    // Sidecars read single keys; a router watches the whole bucket, through a consumer.
    ...kvReads(subjects.configBucket, kind === 'router'),
  ];
  // A router answers every Service without instances, in the routers' queue group only; a sidecar
  // the Services of its workloads' namespaces that select them, in each one's queue group only, so
  // it can never receive a copy of another Service's exchanges.
  const answers =
    kind === 'router'
      ? [`${subjects.rpcFromAnyCaller('*', '*')} ${subjects.routerQueue}`]
      : unique(workloads.map((w) => w.namespace)).map(
          (ns) => `${subjects.rpcFromAnyCaller(ns, '*')} ${subjects.rpcQueue(ns, '*')}`,
        );
  const subscribe = [
    `${inboxPrefix({ role: 'proxy', identity: self })}.>`,
    // Sidecars follow announcements of what they use; routers watch the bucket instead, and an
    // east-west gateway (a router) hears its control plane's exports: what it may route to.
    ...(kind === 'sidecar' ? [subjects.configAnnouncementsAll] : [subjects.clustersetExportAll]),
    subjects.controlPlaneReady,
    subjects.caBundle,
    ...answers,
    // NATS services discovery (`nats micro ls`): `$SRV.PING|INFO|STATS[.<name>[.<id>]]`.
    '$SRV.>',
  ];
  return {
    pub: { allow: unique(publish), deny: forbiddenWrites(subjects) },
    sub: { allow: unique(subscribe), deny: [] },
  };
}

/**
 * `cli-read` follows what `weft tap`, `weft events` and `weft check` read: events, telemetry, health,
 * ACKs, announcements and the config bucket. `cli-admin` also reads the history and leader buckets
 * (every write the CLI makes goes through the admin API, not NATS).
 */
function cliPermissions(
  subjects: Subjects,
  entitlement: Extract<Entitlement, { role: 'cli-read' | 'cli-admin' }>,
): NatsPermissions {
  const buckets =
    entitlement.role === 'cli-admin'
      ? [subjects.configBucket, subjects.historyBucket, subjects.leaderBucket]
      : [subjects.configBucket];
  const subscribe = [
    `${inboxPrefix(entitlement)}.>`,
    subjects.eventsAll,
    `${subjects.prefix}.v1.telemetry.>`,
    subjects.healthAll,
    subjects.proxyAckAll,
    subjects.configAnnouncementsAll,
  ];
  return {
    // `weft check` asks whether JetStream is on (`$JS.API.INFO`).
    pub: {
      allow: ['$JS.API.INFO', ...buckets.flatMap((b) => kvReads(b, false))],
      deny: forbiddenWrites(subjects),
    },
    sub: { allow: subscribe, deny: [] },
  };
}

/**
 * The JetStream API a user may call: its server's own (`$JS.API`), and one of a named domain
 * (`$JS.<domain>.API`), which a site's proxies use to reach their cluster's bucket across the leaf
 * node (docs/multi-cluster.md). The same reads of the same buckets either way; cluster links carry
 * neither, so a domain reaches only the cluster the user's own server belongs to.
 */
const JS_APIS = ['$JS.API', '$JS.*.API'];

/**
 * The JetStream API calls that read a KV bucket: stream info, single-message and direct gets, and
 * with `watch` an ephemeral consumer (created, deleted, flow-controlled). A consumer may deliver
 * to any subject nats-server allows the account, so only readers that watch get one.
 */
function kvReads(bucket: string, watch: boolean): string[] {
  const stream = `${KV_STREAM_PREFIX}${bucket}`;
  const calls = [
    `STREAM.INFO.${stream}`,
    `STREAM.MSG.GET.${stream}`,
    `DIRECT.GET.${stream}`,
    `DIRECT.GET.${stream}.>`,
    ...(watch
      ? [
          `CONSUMER.CREATE.${stream}`,
          `CONSUMER.CREATE.${stream}.>`,
          `CONSUMER.INFO.${stream}.*`,
          `CONSUMER.DELETE.${stream}.*`,
        ]
      : []),
  ];
  const reads = JS_APIS.flatMap((api) => calls.map((call) => `${api}.${call}`));
  return watch ? [...reads, `$JS.FC.${stream}.>`] : reads;
}

/**
 * Denied even where an allow entry would match (deny wins in nats-server): every KV write, stream
 * changes, and the subjects only the control plane publishes on.
 */
function forbiddenWrites(subjects: Subjects): string[] {
  return [
    '$KV.>',
    ...JS_APIS.flatMap((api) =>
      ['CREATE', 'UPDATE', 'DELETE', 'PURGE', 'MSG.DELETE'].map((op) => `${api}.STREAM.${op}.>`),
    ),
    subjects.configAnnouncementsAll,
    subjects.eventsAll,
    subjects.caBundle,
    subjects.clustersetAll,
  ];
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/**
 * Whether nats-server lets a user with `permission` publish to, or subscribe (in `queue`) to,
 * `subject`: an allow entry matches (for a queue subscription, a plain entry, unless a queue entry
 * for the subject names other groups) and no deny entry does. For specs and self-checks.
 */
export function permits(permission: SubjectPermission, subject: string, queue?: string): boolean {
  const entries = permission.allow.map(splitEntry);
  const plain = entries.some((e) => e.queue === undefined && subjectMatches(e.subject, subject));
  const queued = entries.filter((e) => e.queue !== undefined && subjectMatches(e.subject, subject));
  let allowed = plain;
  if (queue !== undefined && queued.length > 0) {
    allowed = queued.some((e) => subjectMatches(e.queue!, queue));
  }
  if (!allowed) return false;
  return !permission.deny.some((d) => subjectMatches(splitEntry(d).subject, subject));
}

function splitEntry(entry: string): { subject: string; queue?: string } {
  const space = entry.indexOf(' ');
  return space < 0
    ? { subject: entry }
    : { subject: entry.slice(0, space), queue: entry.slice(space + 1).trim() };
}

/**
 * NATS wildcard matching: `*` is one token, `>` one or more trailing tokens. A `*` or `>` in
 * `subject` itself (a wildcard subscription) matches only the same wildcard or a wider one.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i && s[i] !== '';
    if (i >= s.length) return false;
    if (s[i] === '>') return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
