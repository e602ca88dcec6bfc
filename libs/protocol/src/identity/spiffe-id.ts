// Workload identities as SPIFFE IDs, `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`.
import { DNS_LABEL, DNS_NAME } from '../validation/names.js';

/** Trust domain when `WEFT_TRUST_DOMAIN` is unset (Istio's and Linkerd's default). */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** A trust domain is a lower-case DNS name (SPIFFE: no port, no user info, no path). */
export const TRUST_DOMAIN = DNS_NAME;
export const TRUST_DOMAIN_MESSAGE =
  'must be a lower-case DNS name (letters, digits, "-" and ".", e.g. cluster.local)';

/** The parts of a workload's SPIFFE ID. */
export interface WorkloadId {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

const SPIFFE_ID = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

/**
 * The parts of a workload SPIFFE ID, or undefined for anything else (another path shape, a
 * trust domain or name that is not a DNS name/label, query, fragment, upper case, percent codes):
 * only the exact form `spiffeId` writes is one.
 */
export function parseSpiffeId(uri: string): WorkloadId | undefined {
  const match = SPIFFE_ID.exec(uri);
  if (!match) return undefined;
  const [, trustDomain, namespace, serviceAccount] = match;
  if (trustDomain.length > 255 || !TRUST_DOMAIN.test(trustDomain)) return undefined;
  if (!isLabel(namespace) || !isLabel(serviceAccount)) return undefined;
  return { trustDomain, namespace, serviceAccount };
}

function isLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}
