// Keep-alive undici pools, one per upstream origin (and connection settings), closed gracefully
// once no cluster uses them.
import { Pool } from 'undici';

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

  constructor(private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS) {}

  get(origin: string, variant?: PoolVariant): Pool {
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
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    for (const byKey of this.variants.values()) pools.push(...byKey.values());
    this.pools.clear();
    this.variants.clear();
    await Promise.all(pools.map((p) => p.close()));
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
