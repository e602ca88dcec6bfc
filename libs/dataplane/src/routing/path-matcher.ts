// Compiled Gateway API path matches: Exact, segment-wise PathPrefix, RegularExpression.
import { compileWholeMatch, type HTTPPathMatch } from '@app/protocol';

export interface PathMatcher {
  readonly type: HTTPPathMatch['type'];
  /** Sort key inside its type: longer prefixes win (Gateway API precedence). */
  readonly length: number;
  /** The path, prefix (without a trailing slash) or pattern: what the route index files it by. */
  readonly value: string;
  matches(path: string): boolean;
}

export function compilePathMatcher(match: HTTPPathMatch | undefined): PathMatcher {
  const type = match?.type ?? 'PathPrefix';
  const value = match?.value ?? '/';
  switch (type) {
    case 'Exact':
      return { type, length: value.length, value, matches: (path) => path === value };
    case 'RegularExpression': {
      const re = compileWholeMatch(value);
      return { type, length: value.length, value, matches: (path) => re.matches(path) };
    }
    case 'PathPrefix':
      return prefixMatcher(value);
  }
}

/** `/foo` matches `/foo`, `/foo/` and `/foo/bar`, never `/foobar`; a trailing slash is ignored. */
function prefixMatcher(value: string): PathMatcher {
  const prefix = value.endsWith('/') ? value.slice(0, -1) : value;
  if (prefix === '') return { type: 'PathPrefix', length: 0, value: '', matches: () => true };
  return {
    type: 'PathPrefix',
    length: prefix.length,
    value: prefix,
    matches: (path) =>
      path.startsWith(prefix) &&
      (path.length === prefix.length || path.charCodeAt(prefix.length) === 47),
  };
}
