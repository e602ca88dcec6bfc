// Small HTTP helpers for talking to admin APIs and proxies from tests (real sockets, no mocks).
import { Agent, request } from 'undici';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One keep-alive agent per test file; tests close it in afterAll. */
export const agent = new Agent({ keepAliveTimeout: 1_000, connections: 64 });

export async function http(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpResult> {
  const res = await request(url, {
    dispatcher: agent,
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers,
    body: init.body,
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

export async function json<T>(url: string): Promise<T> {
  const res = await http(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.body}`);
  return JSON.parse(res.body) as T;
}

/** Resolves once `/readyz` answers 200 on the admin port. */
export async function isReady(adminPort: number): Promise<true | undefined> {
  const res = await http(`http://127.0.0.1:${adminPort}/readyz`);
  return res.status === 200 ? true : undefined;
}
