// Workload identity as a SPIFFE ID, `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`: one
// way to write it and one way to read it, for certificates, NATS entitlements and authorization.
import { DNS_LABEL } from './validation/names.js';

/** The trust domain when `WEFT_TRUST_DOMAIN` is unset (Istio's and Linkerd's default too). */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/**
 * SPIFFE's trust domain grammar: lower-case letters, digits, `.`, `-` and `_`, at most 255
 * characters (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md).
 */
export const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;

export interface WorkloadPrincipal {
  readonly trustDomain: string;
  readonly namespace: string;
  /**
   * A DNS label (Kubernetes allows a DNS subdomain; Weft puts it in NATS subjects, where a dot
   * would split it).
   */
  readonly serviceAccount: string;
}

const SPIFFE = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

/** The SPIFFE ID of a workload identity. The parts are trusted to be valid (they come validated). */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * The parts of a Weft workload SPIFFE ID; undefined for anything else (another path shape, an
 * invalid trust domain, a namespace or service account that is not a DNS label, a query, a port).
 */
export function parseSpiffeId(uri: string): WorkloadPrincipal | undefined {
  const m = SPIFFE.exec(uri);
  if (!m) return undefined;
  const [, trustDomain, namespace, serviceAccount] = m;
  if (!TRUST_DOMAIN.test(trustDomain)) return undefined;
  if (!DNS_LABEL.test(namespace) || !DNS_LABEL.test(serviceAccount)) return undefined;
  return { trustDomain, namespace, serviceAccount };
}
