// A GET whose request target is sent as written (no URL normalization): absolute-form targets, and
// the request lines an attacker writes.
import { request } from 'node:http';

/** GET `target` from 127.0.0.1:`port` as is; the status and the body as text. */
export function rawGet(
  port: number,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
