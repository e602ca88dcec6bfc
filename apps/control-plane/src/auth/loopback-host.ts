// Whether a host (an address to bind, or the name in a Host header) is reachable from this machine only.
import { isIP } from 'node:net';

/** `127.0.0.0/8`, `::1` (also as `[::1]` and IPv4-mapped), `localhost` and `*.localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}
