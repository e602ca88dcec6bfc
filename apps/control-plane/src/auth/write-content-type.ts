// Writes carry JSON or YAML: what an HTML form can send (text/plain, form encodings) is refused.
import type { IncomingHttpHeaders } from 'node:http';

const WRITE_TYPES = new Set([
  'application/json',
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
]);

/**
 * Why a write's content type is refused, or undefined. POST, PUT and PATCH need one of the JSON
 * or YAML types even without a body (a form can post an empty one); any request with a body too.
 */
export function unsupportedWriteType(
  method: string,
  headers: IncomingHttpHeaders,
): string | undefined {
  const hasBody =
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0');
  if (!hasBody && method !== 'POST' && method !== 'PUT' && method !== 'PATCH') return undefined;
  const type = headers['content-type']?.split(';', 1)[0].trim().toLowerCase();
  if (type !== undefined && WRITE_TYPES.has(type)) return undefined;
  return `${method} needs a JSON or YAML body (content-type application/json or application/yaml), not ${type ?? 'none'}`;
}
