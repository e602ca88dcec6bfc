// The request body on its way upstream: the first try's (teed when mirrors take copies), the copy a
// retry sends again (kept only where a retry may need it), and whether the request may be resent.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { MIRROR_BUFFER_BYTES } from '@app/protocol';
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import { BodyTee } from './body-tee.js';
import { ReplayBody } from './replay-body.js';

/** RFC 9110 §9.2.2 idempotent methods. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Whether the request has a body: a length other than 0, or chunked. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Step: whether the request may be resent, and the copy of its body a resend needs. Bodiless, it
 * may be when its method is idempotent or the Service allows any (`retryNonIdempotent`); with a
 * body, only a gRPC call to a Service with `grpcRetry` (Envoy resends gRPC calls whatever their
 * method), whose body is copied as it streams, up to the Service's limit. Runs in the tick the
 * first try is sent, so the copy sees every chunk.
 */
export function keepReplayBody(ex: Exchange): StepOutcome {
  const req = ex.req;
  const withBody = hasBody(req);
  if (withBody && ex.policy.retry) ex.replay = replayCopy(ex);
  ex.resendable =
    ex.replay !== undefined ||
    (!withBody && (IDEMPOTENT.has(req.method ?? 'GET') || ex.cluster!.policy.retryNonIdempotent));
  return 'next';
}

/** Whether the request can be sent again now: by method and body, and its body copied whole. */
export function resendable(ex: Exchange): boolean {
  return ex.resendable && (ex.replay === undefined || ex.replay.complete);
}

/** The first try's body: the tee's main branch when mirrors split it, else the request itself. */
export function firstBody(ex: Exchange): Readable | null {
  return hasBody(ex.req) ? (ex.tee?.main ?? ex.req) : null;
}

/** A resend's body: the copy the first try made (a resendable request without one has none). */
export function resendBody(ex: Exchange): Buffer | null {
  return ex.replay ? ex.replay.replay() : null;
}

/**
 * A mirror's copy of the body (the tee is made by the first mirror, before the main request's
 * consumer is attached and in the handler's tick, so no chunk flows before both branches exist);
 * null for a bodiless request.
 */
export function mirrorBody(ex: Exchange): Readable | null {
  if (!hasBody(ex.req)) return null;
  ex.tee ??= new BodyTee(ex.req, MIRROR_BUFFER_BYTES);
  return ex.tee.branch();
}

/**
 * A bounded copy of a gRPC call's body, for a Service with `grpcRetry`. Over h2c only, which every
 * gRPC Service is here: its client starts reading the body in the same tick as the copy, where
 * undici's pool may wait for a connection.
 */
function replayCopy(ex: Exchange): ReplayBody | undefined {
  const { grpcRetry, protocol } = ex.cluster!.policy;
  if (!grpcRetry || protocol !== 'h2c') return undefined;
  const type = ex.req.headers['content-type'];
  if (type === undefined || !type.startsWith('application/grpc')) return undefined;
  return new ReplayBody(ex.req, grpcRetry.bufferBytes);
}
