// Golden-signal tables `weft stat` and `weft top` share: services, edges and routes from GET /v1/stats.
import type { GoldenSignals, MeshStats } from '@app/protocol';
import { formatTable, NONE } from './output.js';

const SIGNAL_HEADERS = ['RPS', 'SUCCESS', 'P50', 'P95', 'P99', 'REQUESTS'];

/** `api.shop` for `shop/api`, as `weft status` names services; `unknown` stays as it is. */
export function serviceName(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : `${key.slice(slash + 1)}.${key.slice(0, slash)}`;
}

export function formatRps(rps: number): string {
  return rps.toFixed(rps < 10 ? 2 : 1);
}

export function formatRate(rate: number | null): string {
  return rate === null ? NONE : `${(rate * 100).toFixed(2)}%`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return NONE;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  return `${ms.toFixed(ms < 10 ? 2 : 0)}ms`;
}

function signalCells(g: GoldenSignals): string[] {
  return [
    formatRps(g.rps),
    formatRate(g.successRate),
    formatMs(g.p50Ms),
    formatMs(g.p95Ms),
    formatMs(g.p99Ms),
    String(g.requests),
  ];
}

export function serviceTable(stats: MeshStats): string[] {
  return formatTable(
    ['SERVICE', ...SIGNAL_HEADERS],
    stats.services.map((s) => [serviceName(s.service), ...signalCells(s)]),
  );
}

export function edgeTable(stats: MeshStats): string[] {
  return formatTable(
    ['SOURCE', 'DESTINATION', ...SIGNAL_HEADERS],
    stats.edges.map((e) => [serviceName(e.source), serviceName(e.destination), ...signalCells(e)]),
  );
}

/** Busiest first, as `top` does; rows without an HTTPRoute (default routing) show NONE. */
export function routeTable(stats: MeshStats): string[] {
  const rows = [...stats.routes].sort((a, b) => b.rps - a.rps || b.requests - a.requests);
  return formatTable(
    ['ROUTE', 'SERVICE', ...SIGNAL_HEADERS],
    rows.map((r) => [r.route ?? NONE, serviceName(r.destination), ...signalCells(r)]),
  );
}
