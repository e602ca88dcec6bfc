// Garbage on a subject or KV key is counted and logged, never thrown: a process keeps running.
import type { Logger } from './logger.js';
import { eventCounter } from './process-metrics.js';

/** Prometheus: `weft_invalid_messages_total{source}`. */
const invalid = eventCounter(
  'weft.invalid_messages',
  'NATS messages and KV values rejected as invalid, by source',
  '{message}',
);

export function reportInvalid(log: Logger, source: string, where: string, reason: string): void {
  invalid.inc({ source });
  log.warn({ source, where, reason }, 'rejected invalid input');
}
