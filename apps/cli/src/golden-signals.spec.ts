// Golden-signal tables of `weft stat` and `weft top`: names, number formats, order, empty answers.
import { describe, expect, it } from '@jest/globals';
import type { GoldenSignals, MeshStats } from '@app/protocol';
import { formatMs, formatRate, formatRps, routeTable, serviceName } from './golden-signals.js';
import { statReport } from './stat.command.js';
import { topFrame } from './top.command.js';

const signals = (rps: number, requests: number): GoldenSignals => ({
  rps,
  successRate: 0.975,
  p50Ms: 1.5,
  p95Ms: 12.3,
  p99Ms: 1234,
  requests,
});

const STATS: MeshStats = {
  windowMs: 30_000,
  services: [{ service: 'default/api', ...signals(20, 600) }],
  edges: [{ source: 'default/web', destination: 'shop/api', ...signals(20, 600) }],
  routes: [
    { route: null, destination: 'default/db', ...signals(1, 30) },
    { route: 'default/api-split', destination: 'default/api-v1', ...signals(16, 480) },
  ],
};

const cells = (row: string): string[] => row.trim().split(/\s{2,}/);

describe('golden-signal tables', () => {
  it('names services as weft status does', () => {
    expect(serviceName('default/api')).toBe('api.default');
    expect(serviceName('unknown')).toBe('unknown');
  });

  it('formats rates, shares and latencies for reading', () => {
    expect([formatRps(0), formatRps(3.456), formatRps(123.45)]).toEqual(['0.00', '3.46', '123.5']);
    expect([formatRate(1), formatRate(0.5), formatRate(null)]).toEqual(['100.00%', '50.00%', '—']);
    expect([formatMs(0.25), formatMs(42.4), formatMs(2500), formatMs(null)]).toEqual([
      '0.25ms',
      '42ms',
      '2.50s',
      '—',
    ]);
  });

  it('lists routes busiest first, without a route as —', () => {
    const [header, first, second] = routeTable(STATS);
    expect(cells(header)).toEqual([
      'ROUTE',
      'SERVICE',
      'RPS',
      'SUCCESS',
      'P50',
      'P95',
      'P99',
      'REQUESTS',
    ]);
    expect(cells(first)).toEqual([
      'default/api-split',
      'api-v1.default',
      '16.0',
      '97.50%',
      '1.50ms',
      '12ms',
      '1.23s',
      '480',
    ]);
    expect(cells(second).slice(0, 3)).toEqual(['—', 'db.default', '1.00']);
  });

  it('stat prints services, then edges', () => {
    const lines = statReport('http://cp:15010', STATS);
    expect(lines[0]).toBe('control plane http://cp:15010, last 30s');
    expect(cells(lines[2])[0]).toBe('SERVICE');
    expect(cells(lines[3]).slice(0, 2)).toEqual(['api.default', '20.0']);
    expect(cells(lines[5]).slice(0, 2)).toEqual(['SOURCE', 'DESTINATION']);
    expect(cells(lines[6]).slice(0, 3)).toEqual(['web.default', 'api.shop', '20.0']);
  });

  it('says so when no proxy reported traffic', () => {
    const empty = { windowMs: 10_000, services: [], edges: [], routes: [] };
    expect(statReport('http://cp', empty)[1]).toBe(
      'no traffic reported by any proxy in the last 10s',
    );
    expect(topFrame('http://cp', empty, new Date(0)).at(-1)).toBe(
      'no outbound traffic in the last 10s',
    );
  });

  it('top heads each frame with its source and time, and a failed refresh under it', () => {
    const frame = topFrame('http://cp', STATS, new Date('2026-01-02T03:04:05Z'), 'refresh failed');
    expect(frame[0]).toBe('weft top  http://cp  last 30s  03:04:05');
    expect(frame[1]).toBe('refresh failed');
    expect(cells(frame[3])[0]).toBe('ROUTE');
  });
});
