// The retry layer: what follows a try that passed no answer on. A refused or dropped connection
// goes to an untried endpoint at once; an answer or failure the route retries is tried again after
// its backoff, when time is left and the cluster's limits admit it; anything else is the client's
// local reply.
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import { remainingMs } from '../resilience/request-deadline.js';
import { retryBackoffMs } from '../resilience/retry-backoff.js';
import {
  answerRetryReason,
  backoffFits,
  failureStatus,
  type RetryBudgetLeft,
} from '../resilience/retry-decision.js';
import {
  admitRetry,
  OVERFLOW_HEADER,
  releaseRetrySlot,
  type RetryRefusal,
} from './admission.layer.js';
import type { Endpoint } from './endpoint.js';
import {
  failoverReason,
  isStaleConnection,
  nextEndpoint,
  NO_ENDPOINTS_LEFT,
  reasonFor,
} from './endpoint-failure.js';
import { resendable } from './request-body.js';

/** An exchange's retries, made when its first retry is considered. */
export class RetryState {
  /** Counted retries made (failovers to another endpoint are not counted: nothing was served). */
  retries = 0;
  /** Endpoints tried, in order. */
  readonly tried: Endpoint[];
  /** Why the last retry asked for was not made: told to the client with the answer it gets. */
  refusal: RetryRefusal | undefined = undefined;
  /** This exchange holds one of the cluster's concurrent-retry slots (circuit breaker). */
  slot = false;
  /** The retry waiting out its backoff. */
  backoff: NodeJS.Timeout | undefined = undefined;
  /** Why the retry about to be made is made, for the retries metric. */
  reason = '';
  /** The wait before the retry just admitted. */
  backoffMs = 0;

  constructor(first: Endpoint) {
    this.tried = [first];
  }

  /** Drops the retry waiting out its backoff; false when none waits. */
  dropBackoff(): boolean {
    if (this.backoff === undefined) return false;
    clearTimeout(this.backoff);
    this.backoff = undefined;
    return true;
  }

  /** The client is gone: a retry waiting out its backoff will never run, its slot goes. */
  cancel(ex: Exchange): void {
    if (this.dropBackoff()) releaseRetrySlot(ex, this);
  }
}

/**
 * Whether an answer of `status` (gRPC status `grpcStatus`) is retried: the route retries it
 * (retry-decision.ts), time is left for the backoff, and the cluster's limits admit it
 * (admission.layer.ts). The try then reads it to its end and drops it (`retryAfterDrop`).
 */
export function answerRetried(
  ex: Exchange,
  status: number,
  grpcStatus: string | string[] | undefined,
): boolean {
  const retry = ex.policy.retry;
  if (retry === undefined) return false;
  const left: RetryBudgetLeft = {
    retries: ex.retry?.retries ?? 0,
    resendable: resendable(ex),
    live: !ex.res.destroyed && ex.deadline?.expired !== true,
  };
  const reason = answerRetryReason(
    retry,
    ex.cluster!.policy.grpcRetry?.codes,
    status,
    grpcStatus,
    left,
  );
  if (reason === '') return false;
  const backoffMs = retryBackoffMs(retry.backoffMs, left.retries);
  if (!backoffFits(backoffMs, remainingMs(ex))) return false;
  const state = stateOf(ex);
  state.reason = reason;
  state.backoffMs = backoffMs;
  return admitRetry(ex, state, ex.upstream!.ctx.overflowed);
}

/** The retry `answerRetried` admitted, once its answer was dropped: sent after the backoff. */
export function retryAfterDrop(ex: Exchange): void {
  const state = ex.retry!;
  state.retries++;
  if (ex.notes) ex.notes.retries++;
  ex.upstream!.ctx.retried(state.reason);
  // A module function and the exchange as its argument: no closure per retry.
  state.backoff = setTimeout(backoffOver, state.backoffMs, ex);
}

/**
 * A try failed before an answer was passed on; `again`: nothing of it reached the client and the
 * request may be sent again. A refused or dropped connection fails over to an untried endpoint;
 * a per-try timeout or a dropped connection with no endpoint left is retried as the 504 or 502 it
 * would become; otherwise the exchange fails.
 */
export function tryFailed(ex: Exchange, error: Error, code: string, again: boolean): void {
  if (again) {
    if (failedOver(ex, code)) return;
    const status = failureStatus(code, isStaleConnection(code));
    if (status !== 0 && answerRetried(ex, status, undefined)) return retryAfterDrop(ex);
  }
  failExchange(ex, error, code);
}

/** The exchange failed for good: its client gets a local reply (a reset, once headers are out). */
export function failExchange(ex: Exchange, error: Error, code: string): void {
  exchangeOver(ex);
  if (ex.res.destroyed) return;
  // A retry a limit refused is said here too, as on an answer passed on.
  const refusal = ex.retry?.refusal;
  const why = refusal && { [OVERFLOW_HEADER]: refusal };
  const message = `${ex.cluster!.key}: ${error.message}`;
  sendLocalReply(ex.res, reasonFor(code), message, undefined, why);
}

/** The exchange is over: its retry slot and request timer go. */
export function exchangeOver(ex: Exchange): void {
  if (ex.retry) releaseRetrySlot(ex, ex.retry);
  ex.deadline?.cancel();
}

/** Connect failure → eject → an untried endpoint, at once (uncounted: nothing was served). */
function failedOver(ex: Exchange, code: string): boolean {
  const reason = failoverReason(code, true);
  if (reason === undefined) return false;
  const upstream = ex.upstream!;
  const state = stateOf(ex);
  const { ejectMs } = upstream.ctx;
  const next = nextEndpoint(
    ex.cluster!,
    upstream.endpoint!,
    state.tried,
    code,
    ejectMs,
    ex.req.headers,
  );
  if (!next) return false;
  upstream.ctx.retried(reason);
  if (ex.notes) ex.notes.retries++;
  resend(ex, next);
  return true;
}

function backoffOver(ex: Exchange): void {
  const state = ex.retry!;
  state.backoff = undefined;
  if (ex.res.destroyed) return;
  const cluster = ex.cluster!;
  const headers = ex.req.headers;
  const next = cluster.pick(state.tried, headers) ?? cluster.pick(undefined, headers);
  // The Service lost every endpoint during the backoff: the retry has nowhere to go.
  if (next) resend(ex, next);
  else failExchange(ex, new Error('no healthy endpoints left to retry on'), NO_ENDPOINTS_LEFT);
}

function resend(ex: Exchange, endpoint: Endpoint): void {
  ex.retry!.tried.push(endpoint);
  ex.upstream!.send(endpoint);
}

/** The exchange's retry state, made when its first retry is considered (after its first try). */
function stateOf(ex: Exchange): RetryState {
  return (ex.retry ??= new RetryState(ex.upstream!.endpoint!));
}
