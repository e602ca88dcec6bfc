// Compiled Gateway API header matches (Exact, RegularExpression in RE2 syntax); names are case-insensitive.
import type { IncomingHttpHeaders } from 'node:http';
import { compileWholeMatch, type HTTPHeaderMatch } from '@app/protocol';

export type HeaderMatcher = (headers: IncomingHttpHeaders) => boolean;

export function compileHeaderMatcher(match: HTTPHeaderMatch): HeaderMatcher {
  const name = match.name.toLowerCase();
  if (match.type === 'RegularExpression') {
    const re = compileWholeMatch(match.value);
    return (headers) => {
      const value = headerValue(headers, name);
      return value !== undefined && re.matches(value);
    };
  }
  return (headers) => headerValue(headers, name) === match.value;
}

/** Repeated headers are matched as one comma-joined value, as RFC 9110 folds them. */
function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
