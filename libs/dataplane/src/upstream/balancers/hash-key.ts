// The key a consistent-hash balancer hashes: one request header's value, or one cookie's.
import type { IncomingHttpHeaders } from 'node:http';

/** `header` must be lower-case. Undefined when the request does not carry the key. */
export function headerKey(headers: IncomingHttpHeaders, header: string): string | undefined {
  const value = headers[header];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The value of cookie `name` in the `Cookie` header (RFC 6265 §5.4: `a=1; b=2`). */
export function cookieKey(headers: IncomingHttpHeaders, name: string): string | undefined {
  const cookie = headers.cookie;
  if (!cookie) return undefined;
  for (const pair of cookie.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** 32-bit FNV-1a with murmur3's finalizer: similar strings (`a#1`, `a#2`) land far apart. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
