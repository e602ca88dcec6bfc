// One HTTP exchange for the example scripts: resolves `{status, headers, text, json}`.
import { request } from 'node:http';

/** Rejects on a network error or when no answer comes within `timeoutMs`. */
export function http(method, url, { body, headers = {}, timeoutMs = 5_000 } = {}) {
  return new Promise((done, fail) => {
    const req = request(url, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        done({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}
