// The request target an authorized request is matched on and forwarded with: origin form, its path
// normalized (so the app gets exactly the path the policies were checked against).
import { mayNeedNormalizing, normalizePath, pathEnd } from '@app/protocol';

/**
 * `url` (a request's target) in origin form with its path normalized; the same string when nothing
 * changes (most requests: no copy). An absolute-form target (`http://host/path`) becomes its path
 * and query. Undefined for anything else (`*`, a relative or non-HTTP URL): no path to match.
 */
export function normalizedTarget(url: string): string | undefined {
  let target = url;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const origin = originForm(target);
    if (origin === undefined) return undefined;
    target = origin;
  }
  const end = pathEnd(target);
  if (!mayNeedNormalizing(target, end)) return target;
  const path = normalizePath(target.slice(0, end));
  return end === target.length ? path : path + target.slice(end);
}

function originForm(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.pathname + parsed.search;
  } catch {
    return undefined;
  }
}
