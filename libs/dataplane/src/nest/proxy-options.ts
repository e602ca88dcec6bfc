// What a proxy app tells the engine about itself (DataPlaneModule.forRoot), and its Nest token.
import type { ProxyIdentity } from '../config/ack-reporter.js';
import type { DestinationScope } from '../config/destination-sync.js';
import type { BusSettings } from '../bus/bus-client.js';
import type { ListenerLimits } from '../http/listener-limits.js';
import type { OverloadThresholds } from '../resilience/overload-manager.js';

export interface ProxyOptions {
  readonly identity: ProxyIdentity;
  /** Who the proxy runs as: the caller identity of its bus calls (with `identity.namespace`). */
  readonly serviceAccount: string;
  readonly subjectPrefix: string;
  /** Folder for the last good config. */
  readonly stateDir: string;
  /** The JetStream domain of the config bucket; absent: the one of the server it connects to. */
  readonly jetstreamDomain?: string;
  /** Standalone: read config from this folder instead of NATS. */
  readonly configDir?: string;
  readonly accessLog: {
    readonly stdout: boolean;
    readonly publishPerSecond: number;
    readonly sampleRatio: number;
  };
  /** Golden-signal snapshots on the bus: whether, and how often. */
  readonly telemetry: { readonly publish: boolean; readonly intervalMs: number };
  /** Envoy-style limits every listener holds to. */
  readonly limits: ListenerLimits;
  /** Past these, the proxy refuses new connections and reports itself not ready. */
  readonly overload: OverloadThresholds;
  /** Bus transport: frame size, window and keepalive (defaults when absent). */
  readonly bus?: BusSettings;
  /**
   * Proxies that send no heartbeats (routers) repeat their last ACK this often, so that the control
   * plane sees them alive and does not flag them stale; absent: never.
   */
  readonly presenceIntervalMs?: number;
  /**
   * Sidecars and node proxies: follow only the destinations they call and the memberships of these
   * instances (DestinationSync). Absent (routers): follow the whole config bucket (ConfigSync).
   */
  readonly scope?: DestinationScope;
}

export const PROXY_OPTIONS = Symbol('weft.proxy-options');
