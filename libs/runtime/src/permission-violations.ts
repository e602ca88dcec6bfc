// nats-server refused a publish or subscription this connection's permissions do not allow: counted
// and logged at a bounded rate (a loop publishing where it may not must not flood the log), never
// a crash. The connection itself stays up.
import type { PermissionViolationError } from '@nats-io/transport-node';
import type { Logger } from './logger.js';
import { eventCounter } from './process-metrics.js';

/** Prometheus: `weft_nats_permission_violations_total{operation}`. */
const violations = eventCounter(
  'weft.nats.permission_violations',
  'Publishes and subscriptions nats-server refused for lack of permission',
  '{violation}',
);

/** At most this many log lines per window; the rest are counted and summed up in the next line. */
const LINES_PER_WINDOW = 5;
const WINDOW_MS = 60_000;

export class PermissionViolations {
  private windowStart = -Infinity;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  note(err: PermissionViolationError): void {
    violations.inc({ operation: err.operation });
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged >= LINES_PER_WINDOW) {
      this.suppressed++;
      return;
    }
    this.logged++;
    const { operation, subject, queue } = err;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.log.error(
      { operation, subject, queue, suppressedBefore: suppressed || undefined },
      'NATS permission violation: this component is not entitled to that subject (check its credentials)',
    );
  }
}
