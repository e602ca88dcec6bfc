// Garbage on a subject or KV key is counted and logged, never thrown: a process keeps running.
import { LogThrottle } from './log-throttle.js';
import type { Logger } from './logger.js';
import { eventCounter } from './process-metrics.js';

/** Prometheus: `weft_invalid_messages_total{source}`. */
const invalid = eventCounter(
  'weft.invalid_messages',
  'NATS messages and KV values rejected as invalid, by source',
  '{message}',
);

/** Every rejection is counted; at most 10 a source are logged each 10 s (20,000 forged messages: 10 lines). */
const logged = new LogThrottle(10, 10_000);

export function reportInvalid(log: Logger, source: string, where: string, reason: string): void {
  invalid.inc({ source });
  const heldBack = logged.admit(source);
  if (heldBack === undefined) return;
  log.warn({ source, where, reason, ...(heldBack > 0 && { heldBack }) }, 'rejected invalid input');
}
