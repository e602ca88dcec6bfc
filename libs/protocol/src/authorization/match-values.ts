// What each AuthorizationPolicy attribute's values may be, and why a value can never match: the
// grammar the policy check applies and the data plane relies on.
import { parseSpiffeId } from '../identity/spiffe-id.js';
import { HEADER_NAME, HEADER_VALUE } from '../validation/http-syntax.js';
import { normalizePath } from './path-normalization.js';
import { parsePattern } from './value-pattern.js';

/** The request attributes a value is compared with. */
export type AttributeKind =
  'principal' | 'namespace' | 'host' | 'method' | 'path' | 'header' | 'port';

/** A `when` key Weft evaluates: a request header (name lower-cased), or a source/destination attribute. */
export type ConditionAttribute =
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'principal' | 'namespace' | 'port' };

/** `when` keys, as Istio names them; each reads the same attribute as the field beside it. */
const CONDITION_KEYS: Readonly<Record<string, ConditionAttribute>> = {
  'source.principal': { kind: 'principal' },
  'source.namespace': { kind: 'namespace' },
  'destination.port': { kind: 'port' },
};
const HEADER_KEY = /^request\.headers\[(.*)\]$/;

/** Istio keys Weft cannot evaluate honestly, and why. */
const UNSUPPORTED_KEYS: readonly [RegExp, string][] = [
  [
    /^request\.auth\./,
    'needs a verified request credential (JWT); Weft has no RequestAuthentication',
  ],
  [/^(source|remote|destination)\.ip$/, 'a bus request has no peer address; authorize by identity'],
  [/^source\.serviceAccount$/, 'use source.principal (<trust-domain>/ns/<namespace>/sa/<name>)'],
  [/^connection\.sni$/, 'the inbound listener does not match on SNI'],
  [/^experimental\./, 'Envoy filter metadata does not exist in Weft'],
];

export const SUPPORTED_CONDITION_KEYS = [
  'request.headers[<name>]',
  ...Object.keys(CONDITION_KEYS),
] as const;

/** The attribute a `when` key reads, or why Weft refuses the key. */
export function parseConditionKey(key: string): ConditionAttribute | { readonly error: string } {
  // Own keys only: `constructor` and the like are not keys.
  if (Object.hasOwn(CONDITION_KEYS, key)) return CONDITION_KEYS[key];
  const header = HEADER_KEY.exec(key);
  if (header) {
    const name = header[1];
    if (!HEADER_NAME.test(name)) return { error: `"${name}" is not an HTTP header name` };
    return { kind: 'header', name: name.toLowerCase() };
  }
  for (const [pattern, why] of UNSUPPORTED_KEYS) {
    if (pattern.test(key)) return { error: `key ${key} is not supported: ${why}` };
  }
  return {
    error: `unknown key ${JSON.stringify(key)}; supported: ${SUPPORTED_CONDITION_KEYS.join(', ')}`,
  };
}

/** A port value as a number, when it is one (`"8080"` or `8080`, 1–65535). */
export function portOf(raw: unknown): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** Controls, spaces and anything past ASCII: no principal, namespace, host or path holds them. */
const NOT_PRINTABLE = /[^\x21-\x7e]/;
const NAMESPACE_CHARS = /^[-a-z0-9]*$/;

/**
 * Why `raw` (a value of a `kind` attribute) can never match any request, or undefined when it can.
 * Values are Istio's forms (`value-pattern.ts`); a `*` anywhere but first or last is literal.
 */
export function valueProblem(kind: AttributeKind, raw: unknown): string | undefined {
  if (kind === 'port') return portOf(raw) === undefined ? 'must be a port, 1-65535' : undefined;
  if (typeof raw !== 'string') return 'must be a string';
  if (raw === '') return 'must not be empty (an empty value never matches)';
  const pattern = parsePattern(raw);
  // Presence: any value the attribute has (principal and namespace: any peer identity).
  if (pattern.kind === 'presence') return undefined;
  const inner = pattern.text.includes('*');
  switch (kind) {
    case 'principal':
      if (raw.startsWith('spiffe://'))
        return 'is written without "spiffe://" (Istio\'s form: cluster.local/ns/default/sa/api)';
      if (NOT_PRINTABLE.test(raw) || inner) return noIdentity(raw);
      if (pattern.kind === 'exact' && !parseSpiffeId(`spiffe://${raw}`)) return noIdentity(raw);
      return undefined;
    case 'namespace':
      if (!NAMESPACE_CHARS.test(pattern.text))
        return `"${raw}" is not a namespace (a lower-case DNS label), nor a prefix or suffix of one`;
      return undefined;
    case 'host':
      if (NOT_PRINTABLE.test(raw) || inner) return `"${raw}" holds characters no Host header has`;
      return undefined;
    case 'method':
      if (!HEADER_NAME.test(pattern.text) || inner)
        return `"${raw}" is not an HTTP method (a token, with "*" only first or last)`;
      if (pattern.kind === 'exact' && raw !== raw.toUpperCase())
        return `"${raw}" never matches: methods are case-sensitive (write ${raw.toUpperCase()})`;
      return undefined;
    case 'path':
      return pathProblem(raw);
    case 'header':
      if (!HEADER_VALUE.test(raw)) return 'is not an HTTP header value';
      return undefined;
  }
}

function noIdentity(raw: string): string {
  return `"${raw}" is not a workload identity <trust-domain>/ns/<namespace>/sa/<service-account> (or a prefix or suffix of one)`;
}

/**
 * Paths match the request's normalized path without query: a value that is not itself normalized,
 * or holds a query, never matches.
 */
function pathProblem(raw: string): string | undefined {
  const pattern = parsePattern(raw);
  if (NOT_PRINTABLE.test(raw))
    return `"${raw}" holds characters a request path never has (percent-encode them)`;
  if (/[{}]/.test(raw)) return 'path templates ({*}, {**}) are not supported';
  if (/[?#]/.test(pattern.text))
    return `"${raw}" holds a query or fragment: paths match the path alone`;
  if (pattern.kind === 'suffix') return undefined;
  if (!pattern.text.startsWith('/')) return `"${raw}" does not start with "/"`;
  // A prefix may end inside a segment: only what precedes its last character must be normalized.
  const probe = pattern.kind === 'prefix' ? `${pattern.text}x` : pattern.text;
  const normalized = normalizePath(probe);
  if (normalized === probe) return undefined;
  const written = pattern.kind === 'prefix' ? `${normalized.slice(0, -1)}*` : normalized;
  return `"${raw}" is not a normalized path: requests are matched on their normalized path (write ${written})`;
}
