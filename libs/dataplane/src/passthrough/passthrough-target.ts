// Which requests may pass through to the address they name: an IP address no Service covers, never
// one of this proxy's own ports on one of its own addresses (its admin API is not for its callers).
import { isIP } from 'node:net';

/** The ports and addresses that make a destination this proxy itself. */
export interface OwnEndpoints {
  /** Every port this proxy listens on (admin, outbound, inbound listeners). */
  readonly ports: ReadonlySet<number>;
  /** Addresses of this host beyond loopback and unspecified (its advertise and bind addresses). */
  readonly addresses: ReadonlySet<string>;
}

/** `host` (as the request target gives it: lower-case, IPv6 without brackets) as an IP, or undefined. */
export function passthroughAddress(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) === 0 ? undefined : bare;
}

/**
 * True when `address:port` is this proxy's own listener: a port it listens on, at a loopback,
 * unspecified or own address (the request would loop back into the proxy, or reach its admin API).
 */
export function isOwnEndpoint(address: string, port: number, own: OwnEndpoints): boolean {
  if (!own.ports.has(port)) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return (
    v4.startsWith('127.') ||
    v4 === '0.0.0.0' ||
    address === '::1' ||
    address === '::' ||
    own.addresses.has(address) ||
    own.addresses.has(v4)
  );
}
