// AUDIT matches as structured log lines, at a bounded rate per policy: auditing must not turn a
// flood of requests into a flood of lines.
import { LogThrottle, type Logger } from '@app/runtime';
import type { AuthzVerdict } from './authorizer.js';
import type { AuthzRequest } from './authz-request.js';

/** Lines per AUDIT policy each second at most; the next line says how many were held back. */
const LINES_PER_SECOND = 20;

export class AuditLog {
  private readonly throttle = new LogThrottle(LINES_PER_SECOND, 1_000);

  constructor(private readonly log: Logger) {}

  /** One line for `verdict` (an AUDIT rule matched by `r`, at `listener`), unless over the rate. */
  write(
    verdict: AuthzVerdict,
    r: AuthzRequest,
    listener: string,
    status: 'allowed' | 'denied',
  ): void {
    const heldBack = this.throttle.admit(verdict.policy);
    if (heldBack === undefined) return;
    const audit = {
      policy: verdict.policy,
      rule: verdict.reason,
      listener,
      peer: r.peer ?? null,
      method: r.method,
      host: r.host,
      path: r.target.slice(0, r.pathEnd),
      decision: status,
      ...(heldBack > 0 && { heldBack }),
    };
    this.log.info({ audit }, 'authorization audit');
  }
}
