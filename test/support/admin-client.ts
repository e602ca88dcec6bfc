// Small HTTP helpers for talking to admin APIs and proxies from tests (real sockets, no mocks).
import { Agent, request } from 'undici';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One keep-alive agent per test file; tests close it in afterAll. */
export const agent = new Agent({ keepAliveTimeout: 1_000, connections: 64 });

/**
 * The admin token of each control plane the tests started, by origin (`http://127.0.0.1:<port>`):
 * requests to it carry that token unless they say otherwise, so tests act as an admin by default.
 */
const adminTokens = new Map<string, string>();

/** Requests to `url`'s origin authenticate with `token` from now on. */
export function useAdminToken(url: string, token: string): void {
  adminTokens.set(new URL(url).origin, token);
}

/** The admin token the tests use for `url`'s control plane, if one was registered. */
export function adminTokenFor(url: string): string | undefined {
  return adminTokens.get(new URL(url).origin);
}

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** false: send no credential of the tests' own (an attacker's request). */
  auth?: boolean;
}

export async function http(url: string, init: HttpInit = {}): Promise<HttpResult> {
  const headers = { ...init.headers };
  const token = init.auth === false ? undefined : adminTokenFor(url);
  const named = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  if (token !== undefined && !named) headers.authorization = `Bearer ${token}`;
  const res = await request(url, {
    dispatcher: agent,
    method: (init.method ?? 'GET') as 'GET',
    headers,
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
