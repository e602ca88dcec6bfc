// Pipeline layer: the chosen Service's local rate limit; an empty bucket answers 429 at once.
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { StepOutcome } from '../pipeline.js';

/**
 * Step: a request the limit refuses is answered 429. The bucket is the route's, or the caller's:
 * its address, which on a sidecar's outbound listener is its own app, the calling service (the
 * `x-weft-caller` header is not trusted for this: any client can set it).
 */
export function rateLimit(ex: Exchange): StepOutcome {
  const cluster = ex.cluster!;
  const limiter = cluster.policy.rateLimiter;
  if (!limiter) return 'next';
  const key =
    limiter.settings.per === 'Route' ? ex.route!.name : (ex.req.socket.remoteAddress ?? 'unknown');
  const waitMs = limiter.take(key);
  if (waitMs === 0) return 'next';
  const seconds = String(Math.ceil(waitMs / 1000));
  // Envoy's local rate limit with its draft-03 x-ratelimit-* headers, plus Retry-After (RFC 9110).
  sendLocalReply(ex.res, 'rate_limited', `${cluster.key}: local rate limit exceeded`, 429, {
    'retry-after': seconds,
    'x-ratelimit-limit': String(limiter.settings.maxTokens),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': seconds,
  });
  return 'answered';
}
