// Keep-alive undici pools, one per upstream origin, closed gracefully once no cluster uses them.
import { Pool } from 'undici';

export interface PoolOptions {
  /** Max connections per origin. */
  readonly connections: number;
  /** Idle keep-alive time; below the peers' server keep-alive so we never reuse a socket they close. */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = { connections: 256, keepAliveTimeoutMs: 4_000 };

export class PoolRegistry {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS) {}

  get(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connections,
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        pipelining: 1,
      });
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
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }
}
