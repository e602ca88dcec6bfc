// Who called over the bus: the SPIFFE ID of the identity at the end of an exchange's rpc subject,
// which nats-server lets a caller publish with only when it is its own (never a header).
import { rpcCaller, spiffeId } from '@app/protocol';

/** Distinct rpc subjects remembered; past it the memory starts over (a bound on caller data). */
const MAX_SUBJECTS = 4096;

export class BusCallers {
  /** Principal by rpc subject: an exchange from a known caller costs one map lookup. */
  private readonly principals = new Map<string, string>();

  constructor(private readonly trustDomain: string) {}

  /** The caller's SPIFFE ID, or undefined when the subject does not end with a valid identity. */
  principalOf(subject: string): string | undefined {
    const known = this.principals.get(subject);
    if (known !== undefined) return known;
    const caller = rpcCaller(subject);
    if (!caller) return undefined;
    const principal = spiffeId(this.trustDomain, caller.namespace, caller.serviceAccount);
    if (this.principals.size >= MAX_SUBJECTS) this.principals.clear();
    this.principals.set(subject, principal);
    return principal;
  }
}
