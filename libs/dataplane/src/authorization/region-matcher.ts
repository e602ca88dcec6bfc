// Istio's value forms compiled to compare a region of a string in place (`s` from `start` to
// `end`): a principal inside its SPIFFE ID, a path before its query, without cutting out a copy.
import type { ValuePattern } from '@app/protocol';

/** Whether `s[start, end)` matches the compiled value. */
export type RegionMatcher = (s: string, start: number, end: number) => boolean;

/** `pattern` compiled; with `ignoreCase`, its text must be lower case and ASCII letters fold. */
export function regionMatcher(pattern: ValuePattern, ignoreCase = false): RegionMatcher {
  const text = pattern.text;
  const n = text.length;
  const equals = ignoreCase ? foldedEquals : exactEquals;
  switch (pattern.kind) {
    case 'presence':
      return () => true;
    case 'exact':
      return (s, start, end) => end - start === n && equals(s, start, text);
    case 'prefix':
      return (s, start, end) => end - start >= n && equals(s, start, text);
    case 'suffix':
      return (s, start, end) => end - start >= n && equals(s, end - n, text);
  }
}

function exactEquals(s: string, at: number, text: string): boolean {
  return s.startsWith(text, at);
}

/** ASCII case-insensitive `s.startsWith(text, at)`, `text` in lower case. */
function foldedEquals(s: string, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    let c = s.charCodeAt(at + i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** Some matcher of `any` matches the region. */
export function anyMatches(
  any: readonly RegionMatcher[],
  s: string,
  start: number,
  end: number,
): boolean {
  for (let i = 0; i < any.length; i++) if (any[i](s, start, end)) return true;
  return false;
}
