// Unit spec for the pure retry decision: which answers and failures a route retries, and when a
// retry no longer fits.
import { describe, expect, it } from '@jest/globals';
import type { RetryPolicy } from '../routing/route-table.js';
import {
  answerRetryReason,
  backoffFits,
  failureStatus,
  type RetryBudgetLeft,
} from './retry-decision.js';

const RETRY: RetryPolicy = { codes: new Set([503]), attempts: 2, backoffMs: 10 };
const FRESH: RetryBudgetLeft = { retries: 0, resendable: true, live: true };
const GRPC = [14];

describe('answerRetryReason', () => {
  it('retries a listed status, named for the metric', () => {
    expect(answerRetryReason(RETRY, undefined, 503, undefined, FRESH)).toBe('status_503');
  });

  it('passes on an unlisted status, and everything without a retry policy', () => {
    expect(answerRetryReason(RETRY, undefined, 500, undefined, FRESH)).toBe('');
    expect(answerRetryReason(undefined, GRPC, 503, '14', FRESH)).toBe('');
  });

  it('retries a listed gRPC status of a Service with grpcRetry, whatever the HTTP status', () => {
    expect(answerRetryReason(RETRY, GRPC, 200, '14', FRESH)).toBe('grpc_14');
    expect(answerRetryReason(RETRY, GRPC, 200, '13', FRESH)).toBe('');
    expect(answerRetryReason(RETRY, undefined, 200, '14', FRESH)).toBe('');
  });

  it('retries nothing that cannot be resent, past the attempts, or once the exchange is over', () => {
    const left = (over: Partial<RetryBudgetLeft>) => ({ ...FRESH, ...over });
    expect(answerRetryReason(RETRY, undefined, 503, undefined, left({ resendable: false }))).toBe(
      '',
    );
    expect(answerRetryReason(RETRY, undefined, 503, undefined, left({ retries: 1 }))).toBe(
      'status_503',
    );
    expect(answerRetryReason(RETRY, undefined, 503, undefined, left({ retries: 2 }))).toBe('');
    expect(answerRetryReason(RETRY, undefined, 503, undefined, left({ live: false }))).toBe('');
  });
});

describe('failureStatus', () => {
  it('counts a per-try timeout as 504 and a dropped connection as 502, nothing else', () => {
    expect(failureStatus('UND_ERR_HEADERS_TIMEOUT', false)).toBe(504);
    expect(failureStatus('ECONNRESET', true)).toBe(502);
    expect(failureStatus('UND_ERR_BODY_TIMEOUT', false)).toBe(0);
    expect(failureStatus('WEFT_REQUEST_TIMEOUT', false)).toBe(0);
  });
});

describe('backoffFits', () => {
  it('lets a retry wait its backoff only within the time left', () => {
    expect(backoffFits(10, Infinity)).toBe(true);
    expect(backoffFits(10, 11)).toBe(true);
    expect(backoffFits(10, 10)).toBe(false);
  });
});
