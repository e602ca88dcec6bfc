// Pipeline layer of an inbound listener: the workload's AuthorizationPolicies decide the request
// (Istio's order: DENY, then ALLOW, AUDIT marks), by its verified peer only; a denial is a 403.
import { pathEnd } from '@app/protocol';
import type { Exchange } from '../exchange.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { StepOutcome } from '../pipeline.js';
import type { AuditLog } from './audit-log.js';
import type { InboundAuthorization } from './inbound-authorizations.js';
import { normalizedTarget } from './normalized-target.js';

const NOT_READY =
  'this proxy has no config yet: its AuthorizationPolicies are unknown, so it refuses requests until it has one';
const NO_PATH = 'the request target is neither a path nor an absolute http(s) URL';

/**
 * Step: before its first config, the workload refuses every request (503 `not_ready`: policies
 * unknown, fail closed). With no policy for the workload, nothing is checked. Otherwise the
 * request is matched on its peer (`ex.peer`, never a header), method, Host, headers and normalized
 * path — which is also the path the app gets — and counted; a denial answers 403 `rbac_denied`
 * naming the policy (or the ALLOW policies none of which matched).
 */
export function authorization(
  inbound: InboundAuthorization,
  listener: string,
  audits?: AuditLog,
): (ex: Exchange) => StepOutcome {
  return (ex) => {
    const authorizer = inbound.current;
    if (authorizer === undefined) {
      sendLocalReply(ex.res, 'not_ready', NOT_READY);
      return 'answered';
    }
    if (!authorizer.active) return 'next';
    const target = normalizedTarget(ex.path);
    if (target === undefined) {
      sendLocalReply(ex.res, 'bad_request', NO_PATH);
      return 'answered';
    }
    ex.path = target;
    const req = ex.req;
    const r = inbound.request.set(
      ex.peer,
      req.method ?? '',
      target,
      pathEnd(target),
      req.headers.host ?? '',
      req.headers,
    );
    const verdict = authorizer.decide(r);
    verdict.counter.count++;
    const audit = authorizer.audited ? authorizer.audit(r) : undefined;
    const notes = ex.notes;
    if (notes !== undefined) notes.authz = verdict.reason;
    if (audit !== undefined) {
      audit.counter.count++;
      if (notes !== undefined) notes.audit = audit.reason;
      audits?.write(audit, r, listener, verdict.allowed ? 'allowed' : 'denied');
    }
    if (verdict.allowed) return 'next';
    sendLocalReply(ex.res, 'rbac_denied', verdict.reason);
    return 'answered';
  };
}
