// Keep-alive undici pools, one per upstream origin (and connection settings), or one h2c client per
// origin, closed gracefully once no cluster uses them.
import { Pool, type Dispatcher } from 'undici';
import { H2cClient } from './h2c-client.js';
import type { UpstreamProtocol } from './upstream-protocol.js';

export interface PoolOptions {
  /** Max connections per origin. */
  readonly connections: number;
  /** Idle keep-alive time; below the peers' server keep-alive so we never reuse a socket they close. */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = { connections: 256, keepAliveTimeoutMs: 4_000 };

/** A Service's own connection limits (TrafficPolicy `connectionPool`); `key` names the settings. */
export interface PoolVariant {
  readonly key: string;
  readonly connections: number;
  /** Requests a connection serves before it is closed (Envoy's meaning); 0: any number. */
  readonly maxRequestsPerConnection: number;
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
  private readonly h2c = new Map<string, H2cClient>();

  constructor(private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS) {}

  get(
    origin: string,
    variant?: PoolVariant,
    protocol?: UpstreamProtocol,
  ): Pick<Dispatcher, 'dispatch'> {
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
    for (const [origin, byKey] of this.variants) {
      if (inUse.has(origin)) continue;
      this.variants.delete(origin);
      for (const pool of byKey.values()) void pool.close();
    }
    for (const [origin, client] of this.h2c) {
      if (inUse.has(origin)) continue;
      this.h2c.delete(origin);
      void client.close();
    }
  }

  async close(): Promise<void> {
    const pools: { close(): Promise<void> }[] = [...this.pools.values(), ...this.h2c.values()];
    for (const byKey of this.variants.values()) pools.push(...byKey.values());
    this.pools.clear();
    this.variants.clear();
    this.h2c.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private h2cClient(origin: string): H2cClient {
    let client = this.h2c.get(origin);
    if (!client) {
      client = new H2cClient(origin, this.options.keepAliveTimeoutMs);
      this.h2c.set(origin, client);
    }
    return client;
  }

  private variantPool(origin: string, variant: PoolVariant): Pool {
    let byKey = this.variants.get(origin);
    if (!byKey) {
      byKey = new Map();
      this.variants.set(origin, byKey);
    }
    let pool = byKey.get(variant.key);
    if (!pool) {
      pool = this.create(origin, variant.connections, variant.maxRequestsPerConnection);
      byKey.set(variant.key, pool);
    }
    return pool;
  }

  private create(origin: string, connections: number, perConnection: number): Pool {
    return new Pool(origin, {
      connections,
      keepAliveTimeout: this.options.keepAliveTimeoutMs,
      // undici resets a connection after maxRequestsPerClient + 1 requests, and pipelining 0
      // turns keep-alive off: one request per connection.
      pipelining: perConnection === 1 ? 0 : 1,
      ...(perConnection > 1 && { maxRequestsPerClient: perConnection - 1 }),
    });
  }
}
