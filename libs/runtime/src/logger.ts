// Structured JSON logs (pino) for every component, and the adapter that routes Nest's own logs there.
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { environmentResourceAttributes } from './resource-attributes.js';

export type { Logger } from 'pino';

export function createLogger(
  component: string,
  level: string = process.env.WEFT_LOG_LEVEL ?? 'info',
): Logger {
  // Every line carries the resource attributes (`k8s.pod.name`…) spans and metrics carry.
  return pino({ level, base: { component, pid: process.pid, ...environmentResourceAttributes() } });
}

export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, context?: string): void {
    this.pino.info({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.pino.error({ context, trace }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.pino.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.pino.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.pino.trace({ context }, String(message));
  }
}

/** Injection token of the process's pino logger. */
export const LOGGER = Symbol('weft.logger');
