// Refuses writes a browser makes on another site's behalf (CSRF): a foreign Origin or Sec-Fetch-Site.
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Why a write is refused as cross-origin, or undefined. Browsers send `Origin` on every
 * cross-origin POST (a form's too) and `Sec-Fetch-Site` on every request; tools such as curl and
 * the CLI send neither. `same-site` is refused too: another port of the same host is another
 * origin (`http://127.0.0.1:8080` is not the admin API).
 */
export function crossOriginWrite(
  headers: IncomingHttpHeaders,
  ownOrigin: string | undefined,
): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    return `a browser sent this write from another site (Sec-Fetch-Site: ${site}); writes are taken from the admin API's own pages and from tools only`;
  }
  const origin = headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== ownOrigin?.toLowerCase()) {
    return `a browser sent this write from ${JSON.stringify(origin)}, not from ${ownOrigin ?? 'the admin API'}; cross-origin writes are refused`;
  }
  return undefined;
}
