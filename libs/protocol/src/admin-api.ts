// Answer shapes of the control plane admin API (`/v1/*`), shared by the control plane and the CLI.
import type { EndpointSet } from './messages/endpoint-set.dto.js';
import type { InstanceState, ProxyMode } from './messages/heartbeat.dto.js';
import type { InstanceOwner } from './messages/instance.dto.js';
import type { Resource } from './resources/resource.js';
import type {
  AuthorizationPolicyWithStatus,
  TrafficPolicyWithStatus,
} from './resources/policy-status.js';
import type { PeerAuthenticationWithStatus } from './resources/peer-authentication.dto.js';
import type { MeshConfig } from './resources/mesh-config.dto.js';
import type { ConditionSummary, HTTPRouteWithStatus } from './resources/route-status.js';
import type { Service } from './resources/service.dto.js';
import type { ExternalService } from './resources/external-service.dto.js';
import type { Gateway } from './resources/gateway.dto.js';
import type { ServiceExport } from './resources/service-export.dto.js';
import type { WorkloadGroup } from './resources/workload-group.dto.js';

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'deleted';

/**
 * `POST /v1/apply`, `DELETE /v1/resources/…` and `POST /v1/rollback/…`: the revision, whether the
 * request changed anything, and what happened to each resource.
 * An applied HTTPRoute also carries the conditions of its status that need reading (any not True,
 * and `Accepted` when one of its matches is shadowed by another route), a TrafficPolicy its
 * conditions not True (one per target Service), an AuthorizationPolicy its `Accepted` when not True
 * (it selects no ready instance); absent when all is well.
 */
export interface ApplyResult {
  /** The revision the request made; when nothing changed, the current one, which stays. */
  readonly revision: number;
  /**
   * False when every resource was unchanged and nothing was deleted: no new revision, no history
   * entry, nothing sent to proxies (kubectl's "unchanged").
   */
  readonly changed: boolean;
  readonly results: readonly {
    readonly resource: string;
    readonly action: ApplyAction;
    readonly conditions?: readonly ConditionSummary[];
  }[];
}

/** `POST /v1/apply?dryRun=true`: what an apply would do, with each resource before and after. */
export interface DiffResult {
  /** The revision the diff is against (nothing is applied). */
  readonly revision: number;
  readonly results: readonly {
    readonly resource: string;
    readonly action: ApplyAction;
    readonly before?: Resource;
    readonly after?: Resource;
  }[];
}

/** One row of `GET /v1/history`. */
export interface HistorySummary {
  readonly revision: number;
  readonly source: string;
  readonly author: string;
  /** ISO time. */
  readonly appliedAt: string;
  /** The first 100 changes (`GET /v1/history/<revision>` has them all). */
  readonly changes: ApplyResult['results'];
  /** How many resources the revision created, configured and deleted. */
  readonly counts: {
    readonly created: number;
    readonly configured: number;
    readonly deleted: number;
  };
}

/** One row of `GET /v1/proxies`. */
export interface ProxyStatus {
  readonly id: string;
  readonly mode: ProxyMode;
  readonly namespace: string;
  readonly service: string;
  readonly revision: number | null;
  readonly status: 'ACK' | 'NACK' | null;
  readonly error: string | null;
  readonly state: InstanceState | null;
  /** ISO time of the last heartbeat or ACK. */
  readonly lastSeen: string;
  readonly stale: boolean;
  /** The trust bundle and leaf issuers it last reported (fingerprints); absent before it did. */
  readonly trust?: { readonly roots: readonly string[]; readonly issuers: readonly string[] };
}

/** `GET /v1/resources`: resources as applied; HTTPRoutes and TrafficPolicies with their computed `status`. */
export interface ResourceList {
  readonly revision: number;
  readonly items: readonly (
    | Service
    | HTTPRouteWithStatus
    | TrafficPolicyWithStatus
    | ExternalService
    | Gateway
    | AuthorizationPolicyWithStatus
    | PeerAuthenticationWithStatus
    | MeshConfig
    | ServiceExport
    | WorkloadGroup
  )[];
}

export interface ProxyList {
  readonly revision: number;
  readonly items: readonly ProxyStatus[];
}

/**
 * `GET /v1/workloads`: one live instance outside any cluster that a WorkloadGroup registers, as its
 * endpoint sets carry it (the group's labels and locality applied), with its group and readiness.
 */
export interface RegisteredWorkload extends InstanceOwner {
  readonly site: string;
  readonly group: string;
  readonly ready: boolean;
}

export interface WorkloadList {
  readonly items: readonly RegisteredWorkload[];
}

export interface EndpointList {
  readonly items: readonly EndpointSet[];
}

/** `GET /v1/version`. */
export interface VersionInfo {
  readonly protocol: number;
  readonly revision: number;
  /**
   * The NATS servers this control plane connects to, without credentials: where the CLI's NATS
   * commands go when neither `--nats` nor `NATS_URL` says.
   */
  readonly nats: readonly string[];
}

/** `GET /v1/clusterset`: this cluster's name and the Services other clusters export to it. */
export interface ClustersetInfo {
  /** Its control plane's `WEFT_CLUSTER`; null when unset (a one-cluster mesh). */
  readonly cluster: string | null;
  readonly imports: readonly {
    /** The exporting cluster. */
    readonly cluster: string;
    readonly namespace: string;
    readonly service: string;
    /** Its ready endpoints there, each with `cluster` set. */
    readonly endpoints: readonly EndpointSet['endpoints'][number][];
    /** When it was last announced, by the control plane's clock (ms since the epoch). */
    readonly heardAt: number;
  }[];
}

/** `GET /v1/leader`: this control plane's role and the lease it last saw. */
export interface LeaderInfo {
  readonly role: 'leader' | 'follower';
  /** This control plane's instance id. */
  readonly self: string;
  /** The current holder as this control plane sees it; null when none is known. */
  readonly leader: {
    readonly holder: string;
    readonly adminUrl: string;
    readonly term: number;
    /** ISO time of the holder's last renewal (its clock). */
    readonly renewedAt: string;
  } | null;
}

/** Golden signals of one service, or of one edge between two services, over the stats window. */
export interface GoldenSignals {
  /** Requests per second. */
  readonly rps: number;
  /** Share of requests that did not fail (0..1); null when there were none. */
  readonly successRate: number | null;
  /** Latency quantiles in milliseconds, from the merged bucket counts; null without requests. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly requests: number;
}

/** `GET /v1/stats`: the mesh's golden signals, aggregated from every proxy's snapshots. */
export interface MeshStats {
  /** How far back the numbers reach, in milliseconds. */
  readonly windowMs: number;
  /** Per service (`<namespace>/<service>`), as its own inbound proxies saw it. */
  readonly services: readonly ({ readonly service: string } & GoldenSignals)[];
  /** Per edge `source → destination`, as the callers' outbound proxies saw it. */
  readonly edges: readonly ({
    readonly source: string;
    readonly destination: string;
  } & GoldenSignals)[];
  /** Per HTTPRoute (`<namespace>/<name>`, null: no route matched) and backend Service, from outbound edges. */
  readonly routes: readonly ({
    readonly route: string | null;
    readonly destination: string;
  } & GoldenSignals)[];
}

/** A control-plane event (`weft.v1.events.>`) as `GET /v1/stream` relays it. */
export interface MeshEvent {
  /** The subject after `<prefix>.v1.events.`: `config.applied`, `route.status`, … */
  readonly name: string;
  /** ISO time the control plane received it. */
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The named events of `GET /v1/stream` (Server-Sent Events; `data` is JSON): on connect `proxies`,
 * `stats` and the recent `event`s; then `stats` every few seconds, `proxy` when a proxy's
 * ACK/NACK, revision or state changes, `proxy-removed` when one leaves, `event` as they happen.
 */
export interface MeshStreamEvents {
  readonly stats: MeshStats;
  readonly proxies: ProxyList;
  readonly proxy: ProxyStatus;
  readonly 'proxy-removed': { readonly id: string };
  readonly event: MeshEvent;
}

/**
 * What a caller of the admin API may do: `read` (every GET, the stream, dry runs) or `admin`
 * (besides, every write: apply, delete, rollback, admin tokens).
 */
export const ADMIN_ROLES = ['read', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** How the admin API knew the caller. */
export type AdminCredential = 'token' | 'session' | 'certificate' | 'auth-off';

/** `GET /v1/session`: the caller as the admin API sees it. */
export interface AdminCallerInfo {
  /** A token's name, or a client certificate's SPIFFE ID: what the history records. */
  readonly name: string;
  readonly role: AdminRole;
  readonly credential: AdminCredential;
}

/** One row of `GET /v1/admin-tokens` (never the token itself: only its hash is kept). */
export interface AdminTokenInfo {
  readonly name: string;
  readonly role: AdminRole;
  /** ISO time. */
  readonly createdAt: string;
  /** The caller that created it. */
  readonly createdBy: string;
}

/** `POST /v1/admin-tokens`: the new token, shown this once. */
export interface CreatedAdminToken extends AdminTokenInfo {
  readonly token: string;
}
