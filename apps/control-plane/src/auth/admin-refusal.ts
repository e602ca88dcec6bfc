// How the admin API refuses a request: `{error, message}` as its other errors, counted, logged sparingly.
import type { Request, Response } from 'express';
import { eventCounter, LogThrottle, type Logger } from '@app/runtime';

/** Prometheus: `weft_admin_refusals_total{reason}`, one reason per `error` below. */
const refusals = eventCounter(
  'weft.admin.refusals',
  'Admin API requests refused, by reason (unauthenticated, forbidden, cross_origin, …)',
  '{request}',
);
/** A scan or a forged-request flood is a few lines, not one per request. */
const logged = new LogThrottle(10, 10_000);

export type RefusalReason =
  'unauthenticated' | 'forbidden' | 'cross_origin' | 'unsupported_media_type' | 'dns_rebinding';

const STATUS: Readonly<Record<RefusalReason, number>> = {
  unauthenticated: 401,
  forbidden: 403,
  cross_origin: 403,
  unsupported_media_type: 415,
  dns_rebinding: 403,
};

/** Never logs a header: the request's method, path and address, and the reason. */
export function refuse(
  log: Logger,
  req: Request,
  res: Response,
  reason: RefusalReason,
  message: string,
): void {
  refusals.inc({ reason });
  const heldBack = logged.admit(reason);
  if (heldBack !== undefined) {
    log.warn(
      {
        reason,
        method: req.method,
        path: req.path,
        from: req.socket.remoteAddress,
        ...(heldBack > 0 && { heldBack }),
      },
      'admin API request refused',
    );
  }
  if (reason === 'unauthenticated') {
    // RFC 6750: a token was sent and is wrong → invalid_token; none was sent → just the scheme.
    const sent = req.headers.authorization !== undefined;
    res.setHeader(
      'www-authenticate',
      sent ? 'Bearer realm="weft", error="invalid_token"' : 'Bearer realm="weft"',
    );
  }
  res.status(STATUS[reason]).json({ error: reason, message });
}
