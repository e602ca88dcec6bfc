// With authentication off, only requests to an address or localhost: a DNS name may be rebound.
import { isIP } from 'node:net';
import { isLoopbackHost } from './loopback-host.js';

/**
 * DNS rebinding: a page of `evil.example` makes its name resolve to 127.0.0.1, and the browser
 * then sends the page's requests to the admin API as same-origin. The Host header still says
 * `evil.example`: a name other than localhost is refused. Only needed with WEFT_ADMIN_AUTH=off;
 * otherwise the page has no credentials to send.
 */
export function rebindingHost(host: string | undefined): string | undefined {
  let name: string;
  try {
    name = new URL(`http://${host ?? ''}`).hostname;
  } catch {
    return `no valid Host header`;
  }
  const bare = name.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0 || isLoopbackHost(bare)) return undefined;
  return `Host ${JSON.stringify(name)} is a name, and with WEFT_ADMIN_AUTH=off only addresses and localhost are served (DNS rebinding)`;
}
