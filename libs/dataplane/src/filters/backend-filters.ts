// A backendRef's own filters (Gateway API: applied only to requests sent to that backend): the
// rule's policy with the backend's header modifiers applied after the rule's.
import type { HTTPBackendRef } from '@app/protocol';
import type { CompiledRoute, WeightedBackend } from '../routing/route-table.js';
import { HeaderModifier } from './header-modifier.js';

/** `route` whose backends with filters of their own carry the policy a request to them follows. */
export function withBackendFilters(
  route: CompiledRoute,
  refs: readonly HTTPBackendRef[],
): CompiledRoute {
  if (!refs.some((ref) => ref.filters?.length)) return route;
  const backends = route.backends.map((backend, i): WeightedBackend => {
    const filters = refs[i].filters ?? [];
    if (filters.length === 0) return backend;
    let { requestHeaders, responseHeaders } = route;
    for (const f of filters) {
      if (f.type === 'RequestHeaderModifier')
        requestHeaders = chain(requestHeaders, new HeaderModifier(f.requestHeaderModifier!));
      if (f.type === 'ResponseHeaderModifier')
        responseHeaders = chain(responseHeaders, new HeaderModifier(f.responseHeaderModifier!));
    }
    const { timeoutMs, requestTimeoutMs, retry, hostRewrite } = route;
    const policy = {
      timeoutMs,
      requestTimeoutMs,
      retry,
      hostRewrite,
      requestHeaders,
      responseHeaders,
    };
    return { ...backend, policy };
  });
  return { ...route, backends };
}

function chain(rule: HeaderModifier | undefined, own: HeaderModifier): HeaderModifier {
  return rule ? rule.then(own) : own;
}
