// Istio's string match forms in AuthorizationPolicy values: `abc` exact, `abc*` prefix, `*abc` suffix, `*` presence.

export type PatternKind = 'exact' | 'prefix' | 'suffix' | 'presence';

/** One value as Istio reads it: its form, and the text it compares (without the `*`). */
export interface ValuePattern {
  readonly kind: PatternKind;
  readonly text: string;
}

/**
 * Istio's reading (`matcher.StringMatcher`): `*` alone is presence; a leading `*` makes a suffix
 * match, else a trailing one a prefix match; anything else is exact (a `*` inside is literal).
 */
export function parsePattern(raw: string): ValuePattern {
  if (raw === '*') return { kind: 'presence', text: '' };
  if (raw.startsWith('*')) return { kind: 'suffix', text: raw.slice(1) };
  if (raw.endsWith('*')) return { kind: 'prefix', text: raw.slice(0, -1) };
  return { kind: 'exact', text: raw };
}

/** Whether `value` (a present attribute) matches `pattern`; case-insensitive with lower-case patterns. */
export function patternMatches(pattern: ValuePattern, value: string): boolean {
  switch (pattern.kind) {
    case 'presence':
      return true;
    case 'exact':
      return value === pattern.text;
    case 'prefix':
      return value.startsWith(pattern.text);
    case 'suffix':
      return value.endsWith(pattern.text);
  }
}

/**
 * Whether every value `inner` matches, `outer` matches too (a sound test, never a guess: when it
 * says true it is so). Exact in `inner` is decided by matching it; a prefix covers a longer prefix,
 * a suffix a longer suffix; presence covers everything. A prefix and a suffix never cover each
 * other (`a*` and `*b` each match values the other does not).
 */
export function patternCovers(outer: ValuePattern, inner: ValuePattern): boolean {
  if (outer.kind === 'presence') return true;
  switch (inner.kind) {
    case 'presence':
      return false;
    case 'exact':
      return patternMatches(outer, inner.text);
    case 'prefix':
      return outer.kind === 'prefix' && inner.text.startsWith(outer.text);
    case 'suffix':
      return outer.kind === 'suffix' && inner.text.endsWith(outer.text);
  }
}

/** Whether some pattern of `outer` covers `inner`. */
export function anyCovers(outer: readonly ValuePattern[], inner: ValuePattern): boolean {
  return outer.some((o) => patternCovers(o, inner));
}
