// Compiled Gateway API query parameter matches (Exact, RegularExpression); names are case-sensitive.
import { compileWholeMatch, type HTTPQueryParamMatch } from '@app/protocol';

/** Judges a parsed query; the caller parses once per request, and only when a route asks. */
export type QueryMatcher = (params: URLSearchParams) => boolean;

export function compileQueryMatcher(match: HTTPQueryParamMatch): QueryMatcher {
  if (match.type === 'RegularExpression') {
    const re = compileWholeMatch(match.value);
    return (params) => {
      const value = params.get(match.name);
      return value !== null && re.matches(value);
    };
  }
  // Gateway API: with repeated parameters, the first value is the one matched.
  return (params) => params.get(match.name) === match.value;
}
