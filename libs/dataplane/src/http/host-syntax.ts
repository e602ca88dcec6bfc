// What a request's authority may be: `host[:port]` with a DNS-style name, an IPv4 address or a
// bracketed IPv6 one (RFC 9112 §3.2, RFC 3986 §3.2.2).
import { isIPv6 } from 'node:net';

/** RFC 1035: a name is at most 253 characters. */
const MAX_NAME = 253;
/**
 * A name of unreserved characters (RFC 3986 reg-name without percent-encoding and sub-delims, which
 * name nothing a proxy can reach), or an IP literal, then an optional port. No wildcard (`*`), no
 * `>`: hosts become subject tokens and pool origins.
 */
const AUTHORITY = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** The port of an authority that names none: HTTP's well-known one. */
export const HTTP_PORT = 80;

/** Whether `value` is a `host[:port]` a request may name (see AUTHORITY; port 1–65535). */
export function isValidAuthority(value: string): boolean {
  if (value.length === 0 || value.length > MAX_NAME + 6 || !AUTHORITY.test(value)) return false;
  const close = value.charCodeAt(0) === 91 /* [ */ ? value.indexOf(']') : -1;
  if (close !== -1 && !isIPv6(value.slice(1, close))) return false;
  const colon = value.indexOf(':', close + 1);
  if (colon === -1) return value.length <= MAX_NAME;
  const port = authorityPort(value);
  return colon <= MAX_NAME && port >= 1 && port <= 65535;
}

/** The port a valid authority names, or HTTP_PORT when it names none. */
export function authorityPort(value: string): number {
  const colon = value.lastIndexOf(':');
  if (colon === -1 || value.indexOf(']', colon) !== -1) return HTTP_PORT;
  return Number(value.slice(colon + 1));
}

/** The lower-case host of a valid authority, without its port (an IPv6 literal keeps its brackets). */
export function authorityHost(value: string): string {
  const lower = value.toLowerCase();
  if (lower.charCodeAt(0) === 91 /* [ */) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}
