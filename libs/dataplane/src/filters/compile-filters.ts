// Turns a rule's Gateway API filters into the compiled route's behaviour (one of each kind at most).
import { FRACTION_DENOMINATOR, serviceKey } from '@app/protocol';
import type { HTTPRequestMirrorFilter, HTTPRouteFilter } from '@app/protocol';
import type { Cluster } from '../upstream/cluster.js';
import type { CompiledMirror, CompiledRoute } from '../routing/route-table.js';
import { HeaderModifier } from './header-modifier.js';

export type CompiledFilters = Pick<
  CompiledRoute,
  'requestHeaders' | 'responseHeaders' | 'hostRewrite' | 'pathRewrite' | 'redirect' | 'mirrors'
>;

/**
 * Mirrors resolve like backendRefs (`resolve`): an unknown Service gets no traffic (and no error).
 */
export function compileFilters(
  filters: readonly HTTPRouteFilter[],
  namespace: string,
  resolve: (key: string) => Cluster | undefined,
): CompiledFilters {
  const mirrors: CompiledMirror[] = [];
  let compiled: CompiledFilters = { mirrors };
  for (const f of filters) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        compiled = { ...compiled, requestHeaders: new HeaderModifier(f.requestHeaderModifier!) };
        break;
      case 'ResponseHeaderModifier':
        compiled = { ...compiled, responseHeaders: new HeaderModifier(f.responseHeaderModifier!) };
        break;
      case 'URLRewrite':
        compiled = {
          ...compiled,
          hostRewrite: f.urlRewrite!.hostname,
          pathRewrite: f.urlRewrite!.path,
        };
        break;
      case 'RequestRedirect':
        compiled = { ...compiled, redirect: f.requestRedirect! };
        break;
      case 'RequestMirror': {
        const ref = f.requestMirror!.backendRef;
        const key = serviceKey(ref.namespace ?? namespace, ref.name);
        mirrors.push({ cluster: resolve(key), percent: mirrorPercent(f.requestMirror!) });
        break;
      }
    }
  }
  return compiled;
}

/** The share of requests a mirror copies, in percent: its `fraction`, else `percent`, else all. */
function mirrorPercent({ percent, fraction }: HTTPRequestMirrorFilter): number {
  if (!fraction) return percent ?? 100;
  return (fraction.numerator * 100) / (fraction.denominator ?? FRACTION_DENOMINATOR);
}
