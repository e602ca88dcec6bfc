// Gateway API path modifiers: ReplaceFullPath, and ReplacePrefixMatch of the matched PathPrefix.
import type { HTTPPathModifier } from '@app/protocol';
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import type { RequestTarget } from '../http/request-target.js';
import type { CompiledMatch } from '../routing/route-table.js';

/**
 * The rewritten path, query kept. `prefixLength` is the matched prefix's length without its
 * trailing slash: `/foo` replaced by `/bar` turns `/foo/x` into `/bar/x`; by `/`, into `/x`.
 */
export function rewritePath(
  modifier: HTTPPathModifier,
  path: string,
  query: string,
  prefixLength: number,
): string {
  const suffix = query ? `?${query}` : '';
  if (modifier.type === 'ReplaceFullPath') return `${modifier.replaceFullPath ?? '/'}${suffix}`;
  const replacement = modifier.replacePrefixMatch ?? '/';
  const rest = path.slice(prefixLength);
  const joined =
    replacement.endsWith('/') && rest.startsWith('/')
      ? replacement + rest.slice(1)
      : replacement + rest;
  return `${joined || '/'}${suffix}`;
}

/** The path and query the upstream gets: the rule's URLRewrite path applied, else the client's. */
export function upstreamPath(match: CompiledMatch, target: RequestTarget): string {
  const rewrite = match.route.pathRewrite;
  if (rewrite === undefined) return target.pathAndQuery;
  return rewritePath(rewrite, target.path, target.query, match.path.length);
}

/** Step: the path and query the upstream gets (see `upstreamPath`). */
export function rewriteUpstreamPath(ex: Exchange): StepOutcome {
  ex.path = upstreamPath(ex.match!, ex.target!);
  return 'next';
}
