// The kinds `weft get` and `weft delete` accept, and the words users may type for them.
import type { ResourceKind } from '@app/protocol';
import { CliError } from './cli-error.js';

export type KindId = ResourceKind | 'Endpoints' | 'Proxy';

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

const SERVICE: ResourceKindSpec = {
  id: 'Service',
  singular: 'service',
  plural: 'services',
  resource: true,
};
const HTTP_ROUTE: ResourceKindSpec = {
  id: 'HTTPRoute',
  singular: 'httproute',
  plural: 'httproutes',
  resource: true,
};
const TRAFFIC_POLICY: ResourceKindSpec = {
  id: 'TrafficPolicy',
  singular: 'trafficpolicy',
  plural: 'trafficpolicies',
  resource: true,
};
const EXTERNAL_SERVICE: ResourceKindSpec = {
  id: 'ExternalService',
  singular: 'externalservice',
  plural: 'externalservices',
  resource: true,
};
const GATEWAY: ResourceKindSpec = {
  id: 'Gateway',
  singular: 'gateway',
  plural: 'gateways',
  resource: true,
};
const AUTHORIZATION_POLICY: ResourceKindSpec = {
  id: 'AuthorizationPolicy',
  singular: 'authorizationpolicy',
  plural: 'authorizationpolicies',
  resource: true,
};
const PEER_AUTHENTICATION: ResourceKindSpec = {
  id: 'PeerAuthentication',
  singular: 'peerauthentication',
  plural: 'peerauthentications',
  resource: true,
};
const ENDPOINTS: KindSpec = {
  id: 'Endpoints',
  singular: 'endpoints',
  plural: 'endpoints',
  resource: false,
};
const PROXY: KindSpec = { id: 'Proxy', singular: 'proxy', plural: 'proxies', resource: false };

const WORDS: Readonly<Record<string, KindSpec>> = {
  service: SERVICE,
  services: SERVICE,
  svc: SERVICE,
  httproute: HTTP_ROUTE,
  httproutes: HTTP_ROUTE,
  trafficpolicy: TRAFFIC_POLICY,
  trafficpolicies: TRAFFIC_POLICY,
  tp: TRAFFIC_POLICY,
  externalservice: EXTERNAL_SERVICE,
  externalservices: EXTERNAL_SERVICE,
  es: EXTERNAL_SERVICE,
  gateway: GATEWAY,
  gateways: GATEWAY,
  gw: GATEWAY,
  authorizationpolicy: AUTHORIZATION_POLICY,
  authorizationpolicies: AUTHORIZATION_POLICY,
  ap: AUTHORIZATION_POLICY,
  peerauthentication: PEER_AUTHENTICATION,
  peerauthentications: PEER_AUTHENTICATION,
  pa: PEER_AUTHENTICATION,
  endpoints: ENDPOINTS,
  endpoint: ENDPOINTS,
  ep: ENDPOINTS,
  proxies: PROXY,
  proxy: PROXY,
};

export const KIND_WORDS =
  'service(s) (svc), httproute(s), gateway(s) (gw), authorizationpolicy(ies) (ap), peerauthentication(s) (pa), endpoints, proxies';

/** Resolves what the user typed, case-insensitively (`Service`, `svc`, `HTTPRoutes`). */
export function resolveKind(word: string): KindSpec {
  const spec = Object.hasOwn(WORDS, word.toLowerCase()) ? WORDS[word.toLowerCase()] : undefined;
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
      `${spec.plural} are live mesh state, not a resource; only services and httproutes can be deleted`,
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
