// Garbage on a subject or KV key is counted and logged, never thrown: a process keeps running.
import { Counter, register } from 'prom-client';
import type { Logger } from './logger.js';

const invalid = new Counter({
  name: 'weft_invalid_messages_total',
  help: 'NATS messages and KV values rejected as invalid, by source',
  labelNames: ['source'],
  registers: [register],
});

export function reportInvalid(log: Logger, source: string, where: string, reason: string): void {
  invalid.inc({ source });
  log.warn({ source, where, reason }, 'rejected invalid input');
}
