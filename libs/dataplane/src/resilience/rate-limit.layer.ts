// Pipeline layer: the chosen Service's local rate limit; an empty bucket answers 429 at once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendLocalReply } from '../http/local-reply.js';
import type { CompiledRoute } from '../routing/route-table.js';
import type { Cluster } from '../upstream/cluster.js';

/**
 * True when the request was refused (the 429 is sent). The bucket is the route's, or the caller's:
 * its address, which on a sidecar's outbound listener is its own app, the calling service (the
 * `x-weft-caller` header is not trusted for this: any client can set it).
 */
export function rateLimited(
  cluster: Cluster,
  route: CompiledRoute,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const limiter = cluster.policy.rateLimiter;
  if (!limiter) return false;
  const key =
    limiter.settings.per === 'Route' ? route.name : (req.socket.remoteAddress ?? 'unknown');
  const waitMs = limiter.take(key);
  if (waitMs === 0) return false;
  const seconds = String(Math.ceil(waitMs / 1000));
  // Envoy's local rate limit with its draft-03 x-ratelimit-* headers, plus Retry-After (RFC 9110).
  sendLocalReply(res, 'rate_limited', `${cluster.key}: local rate limit exceeded`, 429, {
    'retry-after': seconds,
    'x-ratelimit-limit': String(limiter.settings.maxTokens),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': seconds,
  });
  return true;
}
