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
import { MeshConfig, meshConfigPlacementErrors } from './mesh-config.dto.js';
import { ServiceExport } from './service-export.dto.js';
import { WorkloadGroup } from './workload-group.dto.js';
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
  | MeshConfig
  | ServiceExport
  | WorkloadGroup;
export type ResourceKind = Resource['kind'];

const KINDS = {
  Service,
  HTTPRoute,
  TrafficPolicy,
  ExternalService,
  Gateway,
  PeerAuthentication,
  AuthorizationPolicy,
  MeshConfig,
  ServiceExport,
  WorkloadGroup,
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
  const parsed = parseInto<Resource>(KINDS[kind as ResourceKind], withoutNulls(raw, 0), label);
  if (kind === 'AuthorizationPolicy') return checkAuthorizationPolicy(parsed, raw, label);
  if (parsed.ok && parsed.value.kind === 'MeshConfig') {
    const misplaced = meshConfigPlacementErrors(parsed.value);
    if (misplaced.length > 0) return fail(misplaced.map((e) => ({ resource: label, ...e })));
  }
  return parsed;
}

/** Nesting past which `withoutNulls` leaves values as they are (deeper is refused elsewhere). */
const NULL_STRIP_DEPTH = 64;

/**
 * `value` with every field whose value is null left out, below the resource's own top-level fields:
 * a null field is an unset one, as Kubernetes reads it (validation lets an optional field be null,
 * and a proxy would then read null where it expects a value). A null `spec` or `metadata` stays, to
 * be refused; so does a null list item.
 */
function withoutNulls(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > NULL_STRIP_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => withoutNulls(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== null || depth === 0) out[key] = withoutNulls(field, depth + 1);
  }
  return out;
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
 * The kinds a workload's own proxy enforces (on its inbound side; MeshConfig, mesh-wide, on its
 * outbound too): projected per namespace into `policies.<ns>` (a PolicyBundle), which every
 * sidecar and node proxy follows for its workloads' namespaces and the root namespace, rather than
 * per destination.
 */
export const POLICY_KINDS: ReadonlySet<ResourceKind> = new Set<ResourceKind>([
  'PeerAuthentication',
  'AuthorizationPolicy',
  'MeshConfig',
]);

/** Whether a resource is one of the `POLICY_KINDS`. */
export function isPolicyResource(resource: Resource): boolean {
  return POLICY_KINDS.has(resource.kind);
}

export function keyOf(resource: Resource): string {
  return resourceKey(resource.kind, resource.metadata.namespace, resource.metadata.name);
}
