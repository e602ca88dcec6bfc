// Keep-alive undici pools, one per upstream origin (and connection settings), one HTTP/2 client per
// h2c origin, or one ALPN-negotiating client per TLS origin; closed gracefully once no cluster uses them.
import { Pool, type Dispatcher } from 'undici';
import { H2Client } from './h2-client.js';
import { TlsOriginClient } from './tls-origin-client.js';
import type { UpstreamProtocol } from './upstream-protocol.js';
import type { UpstreamTls } from './upstream-tls.js';

export interface PoolOptions {
  /** Max connections per origin. */
  readonly connections: number;
  /** Idle keep-alive time; below the peers' server keep-alive so we never reuse a socket they close. */
  readonly keepAliveTimeoutMs: number;
}

/** What a TLS client offers by ALPN (see `UpstreamTls.alpnFollowsProtocol`). */
const H2_OR_HTTP1 = ['h2', 'http/1.1'] as const;
const H2 = ['h2'] as const;
const HTTP1 = ['http/1.1'] as const;

export const DEFAULT_POOL_OPTIONS: PoolOptions = { connections: 256, keepAliveTimeoutMs: 4_000 };

/** A Service's own connection limits (TrafficPolicy `connectionPool`); `key` names the settings. */
export interface PoolVariant {
  readonly key: string;
  readonly connections: number;
  /** Requests a connection serves before it is closed (Envoy's meaning); 0: any number. */
  readonly maxRequestsPerConnection: number;
}

/** How a cluster's endpoints are dialled (a ClusterPolicy is one); every field is optional. */
export interface UpstreamConnection {
  /** Its own connection limits; undefined for the shared defaults. */
  readonly poolVariant?: PoolVariant;
  /** What cleartext endpoints speak; HTTP/1.1 when undefined. */
  readonly protocol?: UpstreamProtocol;
  /** TLS origination: ALPN then picks HTTP/2 or HTTP/1.1, whatever `protocol` says. */
  readonly tls?: UpstreamTls;
}

export class PoolRegistry {
  /** origin → pool with the default settings. */
  private readonly pools = new Map<string, Pool>();
  /** origin → variant key → pool with a Service's own limits. */
  private readonly variants = new Map<string, Map<string, Pool>>();
  /**
   * origin → HTTP/2 prior-knowledge client: one connection, requests multiplexed on it (as
   * Envoy's HTTP/2 upstreams); a Service's connection limits do not apply to it.
   */
  private readonly h2c = new Map<string, H2Client>();
  /** origin → TLS settings id and variant key → client negotiating the protocol by ALPN. */
  private readonly tls = new Map<string, Map<string, TlsOriginClient>>();

  constructor(private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS) {}

  /** `tls`: an endpoint's own (mesh mTLS), else the connection's. */
  get(
    origin: string,
    connection: UpstreamConnection = {},
    tls = connection.tls,
  ): Pick<Dispatcher, 'dispatch'> {
    const { poolVariant: variant, protocol } = connection;
    if (tls) return this.tlsClient(origin, tls, variant, protocol);
    if (protocol === 'h2c') return this.h2cClient(origin);
    if (variant) return this.variantPool(origin, variant);
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = this.create(origin, this.options.connections, 0);
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Closes pools whose origin is not in `inUse`; in-flight requests on them finish first. */
  retain(inUse: ReadonlySet<string>): void {
    for (const [origin, pool] of this.pools) {
      if (inUse.has(origin)) continue;
      this.pools.delete(origin);
      void pool.close();
    }
    for (const byOrigin of [this.variants, this.tls]) {
      for (const [origin, byKey] of byOrigin) {
        if (inUse.has(origin)) continue;
        byOrigin.delete(origin);
        for (const pool of byKey.values()) void pool.close();
      }
    }
    for (const [origin, client] of this.h2c) {
      if (inUse.has(origin)) continue;
      this.h2c.delete(origin);
      void client.close();
    }
  }

  async close(): Promise<void> {
    const pools: { close(): Promise<void> }[] = [...this.pools.values(), ...this.h2c.values()];
    for (const byKey of [...this.variants.values(), ...this.tls.values()])
      pools.push(...byKey.values());
    this.pools.clear();
    this.variants.clear();
    this.h2c.clear();
    this.tls.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private h2cClient(origin: string): H2Client {
    let client = this.h2c.get(origin);
    if (!client) {
      client = new H2Client(origin, this.options.keepAliveTimeoutMs);
      this.h2c.set(origin, client);
    }
    return client;
  }

  private variantPool(origin: string, variant: PoolVariant): Pool {
    return keyed(this.variants, origin, variant.key, () =>
      this.create(origin, variant.connections, variant.maxRequestsPerConnection),
    );
  }

  private tlsClient(
    origin: string,
    tls: UpstreamTls,
    variant: PoolVariant | undefined,
    protocol: UpstreamProtocol | undefined,
  ): TlsOriginClient {
    const alpn = !tls.alpnFollowsProtocol ? H2_OR_HTTP1 : protocol === 'h2c' ? H2 : HTTP1;
    const key = `${tls.id} ${alpn.join()}${variant ? ` ${variant.key}` : ''}`;
    return keyed(this.tls, origin, key, () => {
      const limits = variant ?? {
        connections: this.options.connections,
        maxRequestsPerConnection: 0,
      };
      const options = this.poolOptions(limits.connections, limits.maxRequestsPerConnection);
      return new TlsOriginClient(origin, tls, options, this.options.keepAliveTimeoutMs, alpn);
    });
  }

  private create(origin: string, connections: number, perConnection: number): Pool {
    return new Pool(origin, this.poolOptions(connections, perConnection));
  }

  private poolOptions(connections: number, perConnection: number): Pool.Options {
    return {
      connections,
      keepAliveTimeout: this.options.keepAliveTimeoutMs,
      // undici resets a connection after maxRequestsPerClient + 1 requests, and pipelining 0
      // turns keep-alive off: one request per connection.
      pipelining: perConnection === 1 ? 0 : 1,
      ...(perConnection > 1 && { maxRequestsPerClient: perConnection - 1 }),
    };
  }
}

/** The entry of `origin` and `key` in a two-level map, made by `make` the first time. */
function keyed<T>(
  byOrigin: Map<string, Map<string, T>>,
  origin: string,
  key: string,
  make: () => T,
): T {
  let byKey = byOrigin.get(origin);
  if (!byKey) {
    byKey = new Map();
    byOrigin.set(origin, byKey);
  }
  let value = byKey.get(key);
  if (value === undefined) {
    value = make();
    byKey.set(key, value);
  }
  return value;
}
