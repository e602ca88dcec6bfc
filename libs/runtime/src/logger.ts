// Structured JSON logs (pino) for every component, and the adapter that routes Nest's own logs there.
import type { LoggerService } from '@nestjs/common';
import { isMainThread } from 'node:worker_threads';
import { pino, type DestinationStream, type Logger } from 'pino';
import { environmentResourceAttributes, resourceAttributesProblem } from './resource-attributes.js';

export type { Logger } from 'pino';

/** `destination`: where lines go (stdout when absent; a stream in tests). */
export function createLogger(
  component: string,
  level: string = process.env.WEFT_LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  // Every line carries the resource attributes (`k8s.pod.name`…) spans and metrics carry.
  const options = {
    level,
    base: { component, pid: process.pid, ...environmentResourceAttributes() },
  };
  const log = destination ? pino(options, destination) : pino(options);
  // A malformed variable is dropped whole by the SDK, silently: said once, by the main thread's
  // logger (a component's worker threads make their own).
  const problem = resourceAttributesProblem(process.env.OTEL_RESOURCE_ATTRIBUTES);
  if (problem && isMainThread)
    log.warn(
      { variable: 'OTEL_RESOURCE_ATTRIBUTES', reason: problem },
      'OTEL_RESOURCE_ATTRIBUTES ignored: the OpenTelemetry SDK discards it whole when one entry is malformed',
    );
  return log;
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
