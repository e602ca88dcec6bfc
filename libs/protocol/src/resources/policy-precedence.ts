// Which of several policies on one target wins: the first by `namespace/name` (Weft keeps no
// creationTimestamp, which Gateway API's GEP-713 orders by first). Data plane and status agree through this.
import { serviceKey } from '../service-key.js';

interface NamedPolicy {
  readonly metadata: { readonly namespace: string; readonly name: string };
}

/** A copy of `policies` in precedence order, the winner of any conflict first. */
export function inPrecedenceOrder<P extends NamedPolicy>(policies: readonly P[]): P[] {
  const key = (p: P) => serviceKey(p.metadata.namespace, p.metadata.name);
  return [...policies].sort((a, b) => key(a).localeCompare(key(b)));
}
