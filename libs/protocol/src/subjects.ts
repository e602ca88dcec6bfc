// Every NATS subject, KV bucket and KV key Weft uses, named once (docs/reference/nats-subjects.md).
import { DNS_LABEL } from './validation/names.js';

/** Default subject prefix; `WEFT_SUBJECT_PREFIX` overrides it. */
export const DEFAULT_SUBJECT_PREFIX = 'weft';

/** A subject token: no dots, spaces or wildcards, so it can sit between dots. */
export const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;

/** The JetStream stream behind a KV bucket is `KV_<bucket>` (the JetStream API names it so). */
export const KV_STREAM_PREFIX = 'KV_';

/** KV key of the snapshot marker the control plane writes after every complete apply. */
export const SNAPSHOT_KEY = 'snapshot';

/** KV key prefix of published endpoint sets: `endpoints.<namespace>.<service>`. */
export const ENDPOINTS_KEY_PREFIX = 'endpoints';

/**
 * KV key prefixes of what the control plane projects for proxies that follow only what they use:
 * `dst.<ns>.<service>` (a DestinationBundle), `alias.<host>` (a ServiceAlias) and
 * `member.<ns>.<instanceId>` (an InstanceMembership).
 */
export const DESTINATION_KEY_PREFIX = 'dst';
export const ALIAS_KEY_PREFIX = 'alias';
export const MEMBER_KEY_PREFIX = 'member';
/** `policies.<ns>`: the namespace's PolicyBundle (PeerAuthentications, AuthorizationPolicies). */
export const POLICIES_KEY_PREFIX = 'policies';

/** KV key of the control-plane leader lease, in the leader bucket. */
export const LEADER_LEASE_KEY = 'control-plane';

/**
 * The NATS server's client disconnect advisories of every account; only a connection in the
 * system account receives them (no Weft prefix: the server names them).
 */
export const SYS_CLIENT_DISCONNECT_ALL = '$SYS.ACCOUNT.*.DISCONNECT';

/** Every server answers it, but only to a connection in the system account. */
export const SYS_SERVER_PING = '$SYS.REQ.SERVER.PING';

/** Who publishes a bus call: the tokens its rpc subject ends with. */
export interface CallerIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Subject and bucket names under one prefix. */
export class Subjects {
  constructor(readonly prefix: string = DEFAULT_SUBJECT_PREFIX) {}

  /** JetStream KV bucket holding compiled resources, endpoint sets and the snapshot marker. */
  get configBucket(): string {
    return `${this.prefix}-config`;
  }

  /** JetStream KV bucket of applied revisions (one key per revision), for history and rollback. */
  get historyBucket(): string {
    return `${this.prefix}-history`;
  }

  /**
   * JetStream KV bucket of the control-plane leader lease: apart from the config bucket, so the
   * proxies watching that one never receive the renewals.
   */
  get leaderBucket(): string {
    return `${this.prefix}-leader`;
  }

  /**
   * JetStream KV bucket of the admin API's bearer tokens, stored hashed (never the token itself):
   * shared by every control-plane replica, readable by control-plane NATS users only.
   */
  get adminTokensBucket(): string {
    return `${this.prefix}-admin-tokens`;
  }

  /**
   * Where a proxy reports the revision it applied (ACK) or rejected (NACK): under its namespace and
   * Service, so nats-server lets a proxy report only as one of its own.
   */
  proxyAck(namespace: string, service: string, proxyId: string): string {
    return `${this.prefix}.v1.proxy.${namespace}.${service}.${proxyId}.ack`;
  }

  get proxyAckAll(): string {
    return `${this.prefix}.v1.proxy.*.*.*.ack`;
  }

  /**
   * Where the leader announces each change of a projected key, the changed value with it, so a
   * proxy hears of exactly the destinations it follows: a Service's bundle and endpoint set on
   * `config.dst.<ns>.<service>`, an alias on `config.alias.<host>`, an instance's membership on
   * `config.member.<ns>.<instanceId>`, a namespace's policies on `config.policies.<ns>`, and every
   * snapshot marker on `config.snapshot`.
   */
  configAnnouncement(key: string): string {
    const [prefix] = key.split('.', 1);
    const rest = key.slice(prefix.length + 1);
    const kind = prefix === ENDPOINTS_KEY_PREFIX ? DESTINATION_KEY_PREFIX : prefix;
    return key === SNAPSHOT_KEY
      ? `${this.prefix}.v1.config.snapshot`
      : `${this.prefix}.v1.config.${kind}.${rest}`;
  }

  get configAnnouncementsAll(): string {
    return `${this.prefix}.v1.config.>`;
  }

  /**
   * Heartbeats and state changes of one instance. The Service and service account are the
   * instance's identity: nats-server lets a proxy publish only its own, and the control plane takes
   * them from here (`identityOf`), never from the body alone (a body that disagrees with its subject is dropped).
   */
  health(namespace: string, service: string, serviceAccount: string, instanceId: string): string {
    return `${this.prefix}.v1.health.${namespace}.${service}.${serviceAccount}.${instanceId}`;
  }

  get healthAll(): string {
    return `${this.prefix}.v1.health.>`;
  }

  /**
   * HTTP over the bus to one Service, sent by a caller as itself: the last two tokens are the
   * caller's namespace and service account, which nats-server lets it publish with only when they
   * are its own. So the responder reads who calls from the subject (`rpcCaller`), never a header.
   */
  rpc(
    namespace: string,
    service: string,
    callerNamespace: string,
    callerServiceAccount: string,
  ): string {
    return `${this.prefix}.v1.rpc.${namespace}.${service}.${callerNamespace}.${callerServiceAccount}`;
  }

  /** Every bus call, as a cluster link carries them. */
  get rpcAll(): string {
    return `${this.prefix}.v1.rpc.>`;
  }

  /** Every bus call to a Service of `namespace`, as a site's leaf node carries them in. */
  rpcToNamespace(namespace: string): string {
    return `${this.prefix}.v1.rpc.${namespace}.>`;
  }

  /** What a Service's responders subscribe: its rpc subject from any caller. */
  rpcFromAnyCaller(namespace: string, service: string): string {
    return `${this.prefix}.v1.rpc.${namespace}.${service}.*.*`;
  }

  /** Queue group of a Service's bus responders: NATS hands each exchange to one of them. */
  rpcQueue(namespace: string, service: string): string {
    return `${this.prefix}.rpc.${namespace}.${service}`;
  }

  /**
   * Queue group every router answers the bus in (`weft-router`), on the rpc subjects of the
   * Services that have no instances of their own to answer: each exchange reaches one router.
   */
  get routerQueue(): string {
    return `${this.prefix}-router`;
  }

  /** Access log records of the proxies serving one Service. */
  accessLog(namespace: string, service: string): string {
    return `${this.prefix}.v1.telemetry.access.${namespace}.${service}`;
  }

  /** Golden-signal snapshots of one proxy (`MetricsSnapshot`), every few seconds, under its Service. */
  telemetryMetrics(namespace: string, service: string, proxyId: string): string {
    return `${this.prefix}.v1.telemetry.metrics.${namespace}.${service}.${proxyId}`;
  }

  get telemetryMetricsAll(): string {
    return `${this.prefix}.v1.telemetry.metrics.*.*.*`;
  }

  /** Control-plane events: validation results, status changes. */
  event(name: string): string {
    return `${this.prefix}.v1.events.${name}`;
  }

  get eventsAll(): string {
    return this.event('>');
  }

  /** Published by a control plane once it serves; proxies answer by re-sending their last ACK/NACK. */
  get controlPlaneReady(): string {
    return this.event('control-plane.ready');
  }

  /** A control plane became leader, was deposed or resigned (`LeaderEvent`). */
  get controlPlaneLeader(): string {
    return this.event('control-plane.leader');
  }

  /** JetStream KV bucket of the mesh CA (roots, their keys encrypted, rotation state). */
  get caBucket(): string {
    return `${this.prefix}-ca`;
  }

  /**
   * Where a proxy asks for the certificate of one identity: nats-server permissions let it publish
   * only for its own `<ns>.<sa>`, so the CA takes the subject's tokens as its entitlement.
   */
  caSign(namespace: string, serviceAccount: string): string {
    return `${this.prefix}.v1.ca.sign.${namespace}.${serviceAccount}`;
  }

  get caSignAll(): string {
    return `${this.prefix}.v1.ca.sign.*.*`;
  }

  /**
   * Where a cluster's control plane announces one Service it exports (`ServiceExportAnnouncement`),
   * to the control planes of the clusters linked to it: the only subjects besides bus calls and
   * their inboxes that cross a cluster link, and only control planes may publish them.
   */
  clustersetExport(cluster: string, namespace: string, service: string): string {
    return `${this.prefix}.v1.clusterset.export.${cluster}.${namespace}.${service}`;
  }

  get clustersetAll(): string {
    return `${this.prefix}.v1.clusterset.>`;
  }

  get clustersetExportAll(): string {
    return `${this.prefix}.v1.clusterset.export.*.*.*`;
  }

  /** Queue group of the control planes answering `caSign`: any replica signs. */
  get caQueue(): string {
    return `${this.prefix}-ca-signers`;
  }

  /** The trust bundle (`TrustBundle`), announced by the leader at every change. */
  get caBundle(): string {
    return `${this.prefix}.v1.ca.bundle`;
  }
}

/**
 * The caller of a bus call: the last two tokens of its rpc subject (`Subjects.rpc`); undefined when
 * they are not two DNS labels. Cheap enough for every exchange: two index scans, two slices.
 */
export function rpcCaller(subject: string): CallerIdentity | undefined {
  const last = subject.lastIndexOf('.');
  const before = subject.lastIndexOf('.', last - 1);
  if (before < 0) return undefined;
  const namespace = subject.slice(before + 1, last);
  const serviceAccount = subject.slice(last + 1);
  return DNS_LABEL.test(namespace) && DNS_LABEL.test(serviceAccount)
    ? { namespace, serviceAccount }
    : undefined;
}

/** KV key of a resource: `<kind>.<namespace>.<name>`, kind lower-cased. */
export function resourceKey(kind: string, namespace: string, name: string): string {
  return `${kind.toLowerCase()}.${namespace}.${name}`;
}

/** KV key of the endpoint set published for a Service. */
export function endpointsKey(namespace: string, service: string): string {
  return `${ENDPOINTS_KEY_PREFIX}.${namespace}.${service}`;
}

/** KV key of the bundle of what callers of a Service use. */
export function destinationKey(namespace: string, service: string): string {
  return `${DESTINATION_KEY_PREFIX}.${namespace}.${service}`;
}

/** KV key naming the Service an extra hostname (an ExternalService's `hosts`) stands for. */
export function aliasKey(host: string): string {
  return `${ALIAS_KEY_PREFIX}.${host}`;
}

/** KV key listing the Services whose endpoint sets hold an instance. */
export function memberKey(namespace: string, instanceId: string): string {
  return `${MEMBER_KEY_PREFIX}.${namespace}.${instanceId}`;
}

/** KV key of the bundle of one namespace's policies (`PolicyBundle`). */
export function policiesKey(namespace: string): string {
  return `${POLICIES_KEY_PREFIX}.${namespace}`;
}

/**
 * Whether a key is one of the projections (`dst`, `alias`, `member`, `policies`) rather than a
 * resource.
 */
export function isProjectionKey(key: string): boolean {
  return (
    key.startsWith(`${DESTINATION_KEY_PREFIX}.`) ||
    key.startsWith(`${ALIAS_KEY_PREFIX}.`) ||
    key.startsWith(`${MEMBER_KEY_PREFIX}.`) ||
    key.startsWith(`${POLICIES_KEY_PREFIX}.`)
  );
}
