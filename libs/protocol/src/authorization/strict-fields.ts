// An AuthorizationPolicy's spec is read strictly: a field Weft does not know is refused, not dropped
// (a misspelt `notPaths` silently dropped would widen what a rule matches), and Istio's fields Weft
// does not support are refused with the reason.
import type { FieldError } from '../field-error.js';

type Child = 'value' | { readonly list: Shape } | { readonly object: Shape };

interface Shape {
  readonly known: Readonly<Record<string, Child>>;
  readonly unsupported?: Readonly<Record<string, string>>;
}

const NO_JWT = 'Weft has no RequestAuthentication (JWT), so no request carries a request principal';
const NO_IP =
  'authorize by identity (principals, namespaces): addresses are not identities, and a bus request has none';

const SOURCE: Shape = {
  known: {
    principals: 'value',
    notPrincipals: 'value',
    namespaces: 'value',
    notNamespaces: 'value',
  },
  unsupported: {
    requestPrincipals: NO_JWT,
    notRequestPrincipals: NO_JWT,
    ipBlocks: NO_IP,
    notIpBlocks: NO_IP,
    remoteIpBlocks: NO_IP,
    notRemoteIpBlocks: NO_IP,
    serviceAccounts: 'use principals (<trust-domain>/ns/<namespace>/sa/<service-account>)',
    notServiceAccounts: 'use notPrincipals (<trust-domain>/ns/<namespace>/sa/<service-account>)',
  },
};

const OPERATION: Shape = {
  known: {
    hosts: 'value',
    notHosts: 'value',
    ports: 'value',
    notPorts: 'value',
    methods: 'value',
    notMethods: 'value',
    paths: 'value',
    notPaths: 'value',
  },
};

const RULE: Shape = {
  known: {
    from: { list: { known: { source: { object: SOURCE } } } },
    to: { list: { known: { operation: { object: OPERATION } } } },
    when: { list: { known: { key: 'value', values: 'value', notValues: 'value' } } },
  },
};

const SPEC: Shape = {
  known: {
    selector: { object: { known: { matchLabels: 'value' } } },
    action: 'value',
    rules: { list: RULE },
  },
  unsupported: {
    provider: 'CUSTOM authorization (an external authorizer) is not supported',
    targetRef: 'select workloads with selector.matchLabels',
    targetRefs: 'select workloads with selector.matchLabels',
  },
};

/** The fields of `raw.spec` (an AuthorizationPolicy as written) that Weft refuses, each with why. */
export function strictFieldErrors(raw: unknown, resource: string): FieldError[] {
  const spec = (raw as { spec?: unknown } | null)?.spec;
  const errors: FieldError[] = [];
  walk(spec, SPEC, 'spec', resource, errors);
  return errors;
}

function walk(
  value: unknown,
  shape: Shape,
  path: string,
  resource: string,
  out: FieldError[],
): void {
  // Wrong types are class-validator's to report.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [field, child] of Object.entries(value)) {
    const at = `${path}.${field}`;
    if (!Object.hasOwn(shape.known, field)) {
      const why =
        shape.unsupported && Object.hasOwn(shape.unsupported, field)
          ? `is not supported: ${shape.unsupported[field]}`
          : `is not a field here (AuthorizationPolicy fields are read strictly: a misspelt one must not widen a rule)`;
      out.push({ resource, path: at, message: why });
      continue;
    }
    const kind = shape.known[field];
    if (kind === 'value') continue;
    if ('object' in kind) walk(child, kind.object, at, resource, out);
    else if (Array.isArray(child))
      child.forEach((item, i) => walk(item, kind.list, `${at}[${i}]`, resource, out));
  }
}
