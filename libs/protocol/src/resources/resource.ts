// The resource union and `parseResource`, which dispatches on `kind` and names the resource in every error.
import { fail, type FieldError, type Result } from '../field-error.js';
import { parseInto } from '../validation/parse-into.js';
import { resourceKey } from '../subjects.js';
import { HTTPRoute } from './http-route.dto.js';
import { DEFAULT_NAMESPACE } from './object-meta.dto.js';
import { Service } from './service.dto.js';
import { TrafficPolicy } from './traffic-policy.dto.js';
import { ExternalService } from './external-service.dto.js';
import { Gateway } from './gateway.dto.js';
import { AuthorizationPolicy } from './authorization-policy.dto.js';
import { PeerAuthentication } from './peer-authentication.dto.js';
import { ServiceExport } from './service-export.dto.js';
import { authorizationPolicyErrors } from '../authorization/policy-check.js';
import { strictFieldErrors } from '../authorization/strict-fields.js';

export type Resource =
  | Service
  | HTTPRoute
  | TrafficPolicy
  | ExternalService
  | Gateway
  | PeerAuthentication
  | AuthorizationPolicy
  | ServiceExport;
export type ResourceKind = Resource['kind'];

const KINDS = {
  Service,
  HTTPRoute,
  TrafficPolicy,
  ExternalService,
  Gateway,
  PeerAuthentication,
  AuthorizationPolicy,
  ServiceExport,
} as const;
export const RESOURCE_KINDS = Object.keys(KINDS) as ResourceKind[];

/** `Kind/namespace/name`, the way errors and logs name a resource. */
export function describeResource(raw: unknown): string {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as {
    kind?: unknown;
    metadata?: { name?: unknown; namespace?: unknown };
  };
  const kind = typeof r.kind === 'string' ? r.kind : '<no kind>';
  const ns = typeof r.metadata?.namespace === 'string' ? r.metadata.namespace : DEFAULT_NAMESPACE;
  const name = typeof r.metadata?.name === 'string' ? r.metadata.name : '<no name>';
  return `${kind}/${ns}/${name}`;
}

export function parseResource(raw: unknown): Result<Resource> {
  const label = describeResource(raw);
  const kind = (raw as { kind?: unknown } | null)?.kind;
  // Own keys only: `in` would also accept `toString`, `constructor`, `__proto__` and then throw.
  if (typeof kind !== 'string' || !Object.hasOwn(KINDS, kind)) {
    const error: FieldError = {
      resource: label,
      path: 'kind',
      message: `unknown kind ${JSON.stringify(kind ?? null)}; expected one of ${RESOURCE_KINDS.join(', ')}`,
    };
    return fail([error]);
  }
  const parsed = parseInto<Resource>(KINDS[kind as ResourceKind], raw, label);
  return kind === 'AuthorizationPolicy' ? checkAuthorizationPolicy(parsed, raw, label) : parsed;
}

/**
 * Beyond its classes: an AuthorizationPolicy's spec is read strictly (no field dropped unseen), and
 * what can never match is refused (authorization/policy-check.ts).
 */
function checkAuthorizationPolicy(
  parsed: Result<Resource>,
  raw: unknown,
  label: string,
): Result<Resource> {
  const strict = strictFieldErrors(raw, label);
  if (!parsed.ok) return fail([...strict, ...parsed.errors]);
  const errors = [
    ...strict,
    ...authorizationPolicyErrors(parsed.value as AuthorizationPolicy, label),
  ];
  return errors.length > 0 ? fail(errors) : parsed;
}

/**
 * The kinds a workload's own proxy enforces on its inbound side: projected per namespace into
 * `policies.<ns>` (a PolicyBundle), which every sidecar and node proxy follows for its workloads'
 * namespaces and the root namespace, rather than per destination.
 */
export const POLICY_KINDS: ReadonlySet<ResourceKind> = new Set<ResourceKind>([
  'PeerAuthentication',
  'AuthorizationPolicy',
]);

/** Whether a resource is one of the `POLICY_KINDS`. */
export function isPolicyResource(resource: Resource): boolean {
  return POLICY_KINDS.has(resource.kind);
}

export function keyOf(resource: Resource): string {
  return resourceKey(resource.kind, resource.metadata.namespace, resource.metadata.name);
}
