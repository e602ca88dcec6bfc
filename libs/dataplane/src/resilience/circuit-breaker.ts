// Envoy-style circuit breaking of one Service: requests waiting for a connection and concurrent
// retries are bounded; a request over a limit is refused at once instead of queueing without end.

/** Compiled `connectionPool` of a TrafficPolicy; an unset limit is unlimited. */
export interface CircuitLimits {
  /** Connections per endpoint (the undici Pool's `connections`). */
  readonly maxConnections: number;
  readonly maxPendingRequests?: number;
  /** Requests per connection before it is replaced (undici `maxRequestsPerClient`); 0: unlimited. */
  readonly maxRequestsPerConnection: number;
  readonly maxRetries?: number;
}

/** Which limit refused a request: sent as `x-weft-overflow`. */
export type OverflowReason = 'pending' | 'retries';

export class CircuitBreaker {
  /** origin → requests sent to it and not finished. */
  private readonly inflight = new Map<string, number>();
  /** Requests beyond their endpoint's connections: waiting in its pool's queue. */
  private pending = 0;
  private retries = 0;

  constructor(readonly limits: CircuitLimits) {}

  /** Whether a request to `origin` must wait for a connection and the wait queue is full. */
  pendingFull(origin: string): boolean {
    const max = this.limits.maxPendingRequests;
    return (
      max !== undefined &&
      (this.inflight.get(origin) ?? 0) >= this.limits.maxConnections &&
      this.pending >= max
    );
  }

  started(origin: string): void {
    const before = this.inflight.get(origin) ?? 0;
    if (before >= this.limits.maxConnections) this.pending++;
    this.inflight.set(origin, before + 1);
  }

  finished(origin: string): void {
    const before = this.inflight.get(origin) ?? 0;
    // One request fewer on that endpoint: one that waited (if any) now has a connection.
    if (before > this.limits.maxConnections) this.pending--;
    if (before <= 1) this.inflight.delete(origin);
    else this.inflight.set(origin, before - 1);
  }

  /** Takes a retry slot; false when `maxRetries` retries are already in progress. */
  retryStarted(): boolean {
    const max = this.limits.maxRetries;
    if (max !== undefined && this.retries >= max) return false;
    this.retries++;
    return true;
  }

  retryFinished(): void {
    if (this.retries > 0) this.retries--;
  }
}
