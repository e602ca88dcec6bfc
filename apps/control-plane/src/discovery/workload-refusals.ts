// Heartbeats from sites no WorkloadGroup registers: counted, and logged at a bounded rate (a proxy
// heartbeats every few seconds until someone registers it; the log must say so, not flood).
import { eventCounter, LogThrottle, type Logger } from '@app/runtime';

/** Prometheus: `weft_unregistered_workloads_total`. */
const refused = eventCounter(
  'weft.unregistered_workloads',
  'Heartbeats from workloads outside any cluster refused: no WorkloadGroup registers them',
  '{heartbeat}',
);

/** At most 5 lines a minute; the next line says how many were held back. */
const LINES = 5;
const WINDOW_MS = 60_000;

export class WorkloadRefusals {
  private readonly throttle = new LogThrottle(LINES, WINDOW_MS);

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  note(subject: string, reason: string): void {
    refused.inc();
    const heldBack = this.throttle.admit('unregistered', this.now());
    if (heldBack === undefined) return;
    this.log.warn(
      { subject, reason, ...(heldBack > 0 && { heldBack }) },
      'workload outside any cluster refused: apply a WorkloadGroup that registers it',
    );
  }
}
