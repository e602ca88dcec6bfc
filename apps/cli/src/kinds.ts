// The kinds `weft get` and `weft delete` accept, and the words users may type for them.
import type { ResourceKind } from '@app/protocol';
import { CliError } from './cli-error.js';

export type KindId = ResourceKind | 'Endpoints' | 'Proxy' | 'Workload';

export interface KindSpec {
  readonly id: KindId;
  /** How messages name one of them: `service "x" not found`. */
  readonly singular: string;
  readonly plural: string;
  /** A resource the admin API stores (apply, delete), rather than live mesh state. */
  readonly resource: boolean;
}

export interface ResourceKindSpec extends KindSpec {
  readonly id: ResourceKind;
  readonly resource: true;
}

/** Every kind, in the order help and errors list them; `short` is the one abbreviation, if any. */
const KINDS: readonly (KindSpec & { readonly short?: string })[] = [
  { id: 'Service', singular: 'service', plural: 'services', resource: true, short: 'svc' },
  { id: 'HTTPRoute', singular: 'httproute', plural: 'httproutes', resource: true },
  {
    id: 'TrafficPolicy',
    singular: 'trafficpolicy',
    plural: 'trafficpolicies',
    resource: true,
    short: 'tp',
  },
  {
    id: 'ExternalService',
    singular: 'externalservice',
    plural: 'externalservices',
    resource: true,
    short: 'es',
  },
  { id: 'Gateway', singular: 'gateway', plural: 'gateways', resource: true, short: 'gw' },
  {
    id: 'AuthorizationPolicy',
    singular: 'authorizationpolicy',
    plural: 'authorizationpolicies',
    resource: true,
    short: 'ap',
  },
  {
    id: 'PeerAuthentication',
    singular: 'peerauthentication',
    plural: 'peerauthentications',
    resource: true,
    short: 'pa',
  },
  { id: 'MeshConfig', singular: 'meshconfig', plural: 'meshconfigs', resource: true },
  {
    id: 'ServiceExport',
    singular: 'serviceexport',
    plural: 'serviceexports',
    resource: true,
    short: 'svcex',
  },
  {
    id: 'WorkloadGroup',
    singular: 'workloadgroup',
    plural: 'workloadgroups',
    resource: true,
    short: 'wg',
  },
  { id: 'Endpoints', singular: 'endpoints', plural: 'endpoints', resource: false, short: 'ep' },
  { id: 'Proxy', singular: 'proxy', plural: 'proxies', resource: false },
  { id: 'Workload', singular: 'workload', plural: 'workloads', resource: false },
];

/** The words for each kind: singular, plural and abbreviation, lower-case. */
const WORDS: ReadonlyMap<string, KindSpec> = new Map(
  KINDS.flatMap((k) =>
    [k.singular, k.plural, k.short].filter((w) => w !== undefined).map((w) => [w, k]),
  ),
);

/** `services (svc), httproutes, …`: what `weft get` takes, for its help and its errors. */
export const KIND_WORDS = wordList(KINDS);

/** The same for the kinds that are stored resources (`weft delete`). */
export const RESOURCE_KIND_WORDS = wordList(KINDS.filter(isResourceKind));

function wordList(kinds: readonly (KindSpec & { readonly short?: string })[]): string {
  return kinds.map((k) => (k.short ? `${k.plural} (${k.short})` : k.plural)).join(', ');
}

/** Resolves what the user typed, case-insensitively (`Service`, `svc`, `HTTPRoutes`). */
export function resolveKind(word: string): KindSpec {
  const spec = WORDS.get(word.toLowerCase());
  if (spec === undefined) {
    throw new CliError(`unknown kind "${word}"; expected one of ${KIND_WORDS}`);
  }
  return spec;
}

/** Like resolveKind, for commands that change stored resources (delete). */
export function resolveResourceKind(word: string): ResourceKindSpec {
  const spec = resolveKind(word);
  if (!isResourceKind(spec)) {
    throw new CliError(
      `${spec.plural} are live mesh state, not a resource; resources are ${RESOURCE_KIND_WORDS}`,
    );
  }
  return spec;
}

function isResourceKind(spec: KindSpec): spec is ResourceKindSpec {
  return spec.resource;
}

/** `Service/default/b-v1` (as the admin API names resources) → `service/default/b-v1` (kubectl). */
export function displayResource(resource: string): string {
  const slash = resource.indexOf('/');
  return slash < 0 ? resource : `${resource.slice(0, slash).toLowerCase()}${resource.slice(slash)}`;
}
