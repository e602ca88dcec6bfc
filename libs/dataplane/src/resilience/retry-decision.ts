// Whether a try's outcome is tried again: pure functions of the outcome, the route's retry policy
// and what the exchange has spent (no timers, no counters, no I/O; the retry layer acts on them).
import type { RetryPolicy } from '../routing/route-table.js';

/** What the decision reads of the exchange besides the outcome. */
export interface RetryBudgetLeft {
  /** Counted retries made so far (failovers to another endpoint are not counted). */
  readonly retries: number;
  /**
   * The request may be sent again: idempotent and bodiless (or bodiless and the Service allows
   * any method), or with a whole copy of its body.
   */
  readonly resendable: boolean;
  /** The client is still there and the route's request timeout has not passed. */
  readonly live: boolean;
}

/**
 * The retry reason for an answer of `status`, for the retries metric (`status_503`, or
 * `grpc_14` for a listed gRPC status of a Service with `grpcRetry`, which a trailers-only answer
 * carries in its headers and a held one in its trailers); '' when it is not retried: the route
 * has no retry, lists neither, has no attempts left, or the request cannot be resent.
 */
export function answerRetryReason(
  retry: RetryPolicy | undefined,
  grpcCodes: readonly number[] | undefined,
  status: number,
  grpcStatus: string | string[] | undefined,
  left: RetryBudgetLeft,
): string {
  if (retry === undefined) return '';
  const grpc = grpcStatus !== undefined && grpcCodes?.includes(Number(grpcStatus)) === true;
  if (!left.resendable || !(retry.codes.has(status) || grpc)) return '';
  if (left.retries >= retry.attempts || !left.live) return '';
  return grpc ? `grpc_${String(grpcStatus)}` : `status_${status}`;
}

/**
 * The status a try that failed before its answer counts as for the route's retry: a per-try
 * timeout as 504 (Envoy: per-try timeouts are retriable), a connection dropped before an answer as
 * 502 (Gateway API's retry on connection errors); 0 for any other failure, which is not retried.
 */
export function failureStatus(code: string, staleConnection: boolean): number {
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 504;
  return staleConnection ? 502 : 0;
}

/** Gateway API: tries and retries together stay within the request timeout. */
export function backoffFits(backoffMs: number, remainingMs: number): boolean {
  return remainingMs > backoffMs;
}
