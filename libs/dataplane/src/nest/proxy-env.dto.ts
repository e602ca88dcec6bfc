// Environment every proxy app shares (sidecar and router), validated once at boot.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  BUS_CHUNK_BYTES,
  BUS_KEEPALIVE_MS,
  BUS_MAX_WINDOW,
  BUS_WINDOW_FRAMES,
  DEFAULT_CLUSTER,
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  IsDnsLabel,
  PROXY_ADMIN_PORT,
  type Locality,
} from '@app/protocol';
import { CommonEnv, ToInt } from '@app/runtime';
import type { ProxyOptions } from './proxy-options.js';
import type { BusSettings } from '../bus/bus-client.js';
import { DEFAULT_LISTENER_LIMITS, type ListenerLimits } from '../http/listener-limits.js';
import type { OverloadThresholds } from '../resilience/overload-manager.js';
import {
  defaultOverloadConnections,
  defaultOverloadHeapMb,
  defaultOverloadRssMb,
} from '../resilience/process-limits.js';

export class ProxyEnv extends CommonEnv {
  @Matches(DNS_LABEL, { message: `WEFT_NAMESPACE ${DNS_LABEL_MESSAGE}` })
  WEFT_NAMESPACE: string = 'default';

  /** The workload identity's service account (`spiffe://…/ns/<ns>/sa/<it>`); default: the service. */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `WEFT_SERVICE_ACCOUNT ${DNS_LABEL_MESSAGE}` })
  WEFT_SERVICE_ACCOUNT?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,128}$/, {
    message: 'WEFT_INSTANCE_ID must be letters, digits, "-" and "_"',
  })
  WEFT_INSTANCE_ID?: string;

  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  WEFT_ADMIN_PORT: number = PROXY_ADMIN_PORT;

  /** The cluster this proxy runs in (its heartbeats say so; locality load balancing compares it). */
  @IsDnsLabel('WEFT_CLUSTER')
  WEFT_CLUSTER: string = DEFAULT_CLUSTER;

  /** Its region (`topology.kubernetes.io/region`); unset matches only another unset region. */
  @IsOptional()
  @IsDnsLabel('WEFT_REGION')
  WEFT_REGION?: string;

  /** Its zone (`topology.kubernetes.io/zone`). */
  @IsOptional()
  @IsDnsLabel('WEFT_ZONE')
  WEFT_ZONE?: string;

  /**
   * The JetStream domain of the cluster's config bucket, for a proxy whose NATS is a leaf node of
   * the cluster's (a site: docs/multi-cluster.md); unset: the bucket of the server it connects to.
   */
  @IsOptional()
  @IsDnsLabel('WEFT_JETSTREAM_DOMAIN')
  WEFT_JETSTREAM_DOMAIN?: string;

  /** Where this proxy and the instances it fronts run. */
  get locality(): Locality {
    return {
      cluster: this.WEFT_CLUSTER,
      ...(this.WEFT_REGION !== undefined && { region: this.WEFT_REGION }),
      ...(this.WEFT_ZONE !== undefined && { zone: this.WEFT_ZONE }),
    };
  }

  /** Address the admin and mesh-facing listeners bind. */
  @IsString()
  WEFT_BIND_ADDRESS: string = '0.0.0.0';

  /** How long a draining proxy keeps answering while callers learn it is leaving. */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_DRAIN_GRACE_MS: number = 2_000;

  /** Upper bound on the whole drain, in-flight requests included. */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_DRAIN_TIMEOUT_MS: number = 30_000;

  /** Route timeout when an HTTPRoute sets none (Envoy's default route timeout). */
  @ToInt()
  @IsInt()
  @Min(1)
  WEFT_ROUTE_TIMEOUT_MS: number = 15_000;

  /** `stdout`: one JSON access log line per request (off by default: it costs CPU per request). */
  @IsIn(['off', 'stdout'])
  WEFT_ACCESS_LOG: 'off' | 'stdout' = 'off';

  /** Access log records published on the bus per second at most (0: none). */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_ACCESS_LOG_PUBLISH_RATE: number = 50;

  /** Share of requests (0–1) whose records may go on the bus, before the rate cap. */
  @ToInt()
  @IsNumber()
  @Min(0)
  @Max(1)
  WEFT_ACCESS_LOG_SAMPLE: number = 1;

  /** Bus transport: a side pings after this long without sending; 5× as long silent is gone. */
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(600_000)
  WEFT_BUS_KEEPALIVE_MS: number = BUS_KEEPALIVE_MS;

  /** Bus transport: data frames (of up to 64 KiB) a peer may have in flight to this proxy. */
  @ToInt()
  @IsInt()
  @Min(2)
  @Max(BUS_MAX_WINDOW)
  WEFT_BUS_WINDOW: number = BUS_WINDOW_FRAMES;

  get busSettings(): BusSettings {
    return {
      chunkBytes: BUS_CHUNK_BYTES,
      window: this.WEFT_BUS_WINDOW,
      keepaliveMs: this.WEFT_BUS_KEEPALIVE_MS,
    };
  }

  get accessLog(): ProxyOptions['accessLog'] {
    return {
      stdout: this.WEFT_ACCESS_LOG === 'stdout',
      publishPerSecond: this.WEFT_ACCESS_LOG_PUBLISH_RATE,
      sampleRatio: this.WEFT_ACCESS_LOG_SAMPLE,
    };
  }

  /** `off`: no golden-signal snapshots on the bus (the `/metrics` counters stay). */
  @IsIn(['on', 'off'])
  WEFT_TELEMETRY: 'on' | 'off' = 'on';

  /** How often a snapshot is published. */
  @ToInt()
  @IsInt()
  @Min(100)
  WEFT_TELEMETRY_INTERVAL_MS: number = 5_000;

  get telemetry(): ProxyOptions['telemetry'] {
    return { publish: this.WEFT_TELEMETRY === 'on', intervalMs: this.WEFT_TELEMETRY_INTERVAL_MS };
  }

  /** Sidecars: heartbeat period; routers: how often they repeat their ACK to say they are alive. */
  @ToInt()
  @IsInt()
  @Min(50)
  WEFT_HEARTBEAT_INTERVAL_MS: number = 1_000;

  /** Listeners: how long a request's headers may take to arrive (0: no limit); 408 and closed past it. */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_HEADERS_TIMEOUT_MS: number = DEFAULT_LISTENER_LIMITS.headersTimeoutMs;

  /** Listeners: a client connection with no request in progress is closed after this long. */
  @ToInt()
  @IsInt()
  @Min(1_000)
  WEFT_IDLE_TIMEOUT_MS: number = DEFAULT_LISTENER_LIMITS.idleTimeoutMs;

  /** Listeners: client connections each holds at once (0: no limit of its own); more are refused. */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_MAX_CONNECTIONS: number = DEFAULT_LISTENER_LIMITS.maxConnections;

  /** Listeners: requests one client connection serves before it is closed (0: no limit). */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_MAX_REQUESTS_PER_CONNECTION: number = DEFAULT_LISTENER_LIMITS.maxRequestsPerConnection;

  /** Overload: client connections across every listener at which new ones are refused (0: none). */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_OVERLOAD_MAX_CONNECTIONS: number = defaultOverloadConnections();

  /** Overload: resident memory (MiB) at which new requests are shed with 503 (0: none). */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_OVERLOAD_MAX_RSS_MB: number = defaultOverloadRssMb();

  /** Overload: V8 heap in use (MiB) at which new requests are shed with 503 (0: none). */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_OVERLOAD_MAX_HEAP_MB: number = defaultOverloadHeapMb();

  /** Overload: mean event-loop lag (ms) over a second at which new requests are shed (0: none). */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_OVERLOAD_MAX_EVENT_LOOP_LAG_MS: number = 0;

  get listenerLimits(): ListenerLimits {
    return {
      headersTimeoutMs: this.WEFT_HEADERS_TIMEOUT_MS,
      idleTimeoutMs: this.WEFT_IDLE_TIMEOUT_MS,
      maxConnections: this.WEFT_MAX_CONNECTIONS,
      maxRequestsPerConnection: this.WEFT_MAX_REQUESTS_PER_CONNECTION,
    };
  }

  get overload(): OverloadThresholds {
    return {
      maxConnections: this.WEFT_OVERLOAD_MAX_CONNECTIONS,
      maxRssBytes: this.WEFT_OVERLOAD_MAX_RSS_MB * 2 ** 20,
      maxHeapBytes: this.WEFT_OVERLOAD_MAX_HEAP_MB * 2 ** 20,
      maxEventLoopLagMs: this.WEFT_OVERLOAD_MAX_EVENT_LOOP_LAG_MS,
    };
  }

  /** Folder for the last good config (cold start without NATS). */
  @IsString()
  WEFT_STATE_DIR: string = join(tmpdir(), 'weft');

  /** `WEFT_INSTANCE_ID`, or a subject-safe id built from `parts`. */
  protected idOr(...parts: (string | number)[]): string {
    return this.WEFT_INSTANCE_ID ?? parts.join('-').replace(/[^A-Za-z0-9_-]/g, '-');
  }
}
