// The cross-cluster bench's arithmetic: medians over rounds and the paired headline.
import { describe, expect, it } from '@jest/globals';
import {
  aggregateRounds,
  crossClusterHeadline,
  median,
  medianOf,
  renderHeadline,
} from './cross-cluster-results.mjs';

/** A summarized row (lib/results.mjs) with the figures the headline reads. */
const row = (id, { rps, p50, p99, cpu, natsCpu }) => ({
  id,
  label: id,
  rps,
  latencyUs: { p50, p99 },
  cpuUsPerRequest: cpu,
  fixedRateCpuUsPerRequest: cpu + 10,
  busCpuUsPerRequest: natsCpu,
  fixedRateBusCpuUsPerRequest: natsCpu === null ? null : natsCpu + 5,
  coreBusy: [0.5, 1],
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('medianOf', () => {
  it('takes numbers field by field, leaves nulls out and keeps the first round`s labels', () => {
    const values = [
      { label: 'a', p: { p50: 10, p99: null }, cores: [0.1, 1] },
      { label: 'a', p: { p50: 30, p99: 7 }, cores: [0.3, 0.5] },
      { label: 'a', p: { p50: 20, p99: null }, cores: [0.2, 0.9] },
    ];
    expect(medianOf(values)).toEqual({ label: 'a', p: { p50: 20, p99: 7 }, cores: [0.2, 0.9] });
  });
});

describe('aggregateRounds', () => {
  it('keeps a row that never ran as it was, and counts the rounds a row ran in', () => {
    const rounds = [
      {
        rows: [
          row('direct', { rps: 100, p50: 1, p99: 2, cpu: 0, natsCpu: null }),
          { id: 'x', skipped: 'no' },
        ],
      },
      {
        rows: [
          row('direct', { rps: 300, p50: 3, p99: 4, cpu: 0, natsCpu: null }),
          { id: 'x', skipped: 'no' },
        ],
      },
    ];
    const [direct, x] = aggregateRounds(rounds);
    expect(direct).toMatchObject({ rps: 200, latencyUs: { p50: 2, p99: 3 }, rounds: 2 });
    expect(x).toEqual({ id: 'x', skipped: 'no' });
  });
});

describe('crossClusterHeadline', () => {
  // Round 2 runs on a busier machine: both rows slower, the paired difference the same.
  const rounds = [
    {
      rows: [
        row('weft-local-http', { rps: 1000, p50: 400, p99: 900, cpu: 200, natsCpu: 1 }),
        row('weft-local-bus', { rps: 800, p50: 500, p99: 1000, cpu: 250, natsCpu: 40 }),
        row('weft-cross-bus', { rps: 600, p50: 600, p99: 1300, cpu: 260, natsCpu: 90 }),
        row('weft-cross-http', { rps: 700, p50: 550, p99: 1200, cpu: 320, natsCpu: 1 }),
      ],
    },
    {
      rows: [
        row('weft-local-http', { rps: 500, p50: 900, p99: 5000, cpu: 300, natsCpu: 2 }),
        row('weft-local-bus', { rps: 400, p50: 1000, p99: 6000, cpu: 350, natsCpu: 50 }),
        row('weft-cross-bus', { rps: 200, p50: 1100, p99: 5800, cpu: 380, natsCpu: 110 }),
        row('weft-cross-http', { rps: 300, p50: 1150, p99: 5600, cpu: 440, natsCpu: 2 }),
      ],
    },
  ];

  it('reports the cross-cluster hop over the local bus hop, round by round', () => {
    const { crossOverLocalBus } = crossClusterHeadline(rounds);
    expect(crossOverLocalBus).toEqual({
      row: 'weft-cross-bus',
      base: 'weft-local-bus',
      rounds: 2,
      added: {
        p50Us: { median: 100, min: 100, max: 100 },
        p99Us: { median: 50, min: -200, max: 300 },
        fixedRateSidecarCpuUsPerRequest: { median: 20, min: 10, max: 30 },
        fixedRateNatsCpuUsPerRequest: { median: 55, min: 50, max: 60 },
        sidecarCpuUsPerRequest: { median: 20, min: 10, max: 30 },
        natsCpuUsPerRequest: { median: 55, min: 50, max: 60 },
      },
      rpsRatio: { median: 0.63, min: 0.5, max: 0.75 },
    });
    expect(crossClusterHeadline(rounds).localBusOverHttp.added.p50Us.median).toBe(100);
  });

  it('reports the east-west HTTP hop over the local HTTP hop, round by round', () => {
    const { crossHttpOverLocalHttp } = crossClusterHeadline(rounds);
    expect(crossHttpOverLocalHttp).toMatchObject({
      row: 'weft-cross-http',
      base: 'weft-local-http',
      rounds: 2,
      added: {
        p50Us: { median: 200, min: 150, max: 250 },
        p99Us: { median: 450, min: 300, max: 600 },
        sidecarCpuUsPerRequest: { median: 130, min: 120, max: 140 },
        natsCpuUsPerRequest: { median: 0, min: 0, max: 0 },
      },
      rpsRatio: { median: 0.65, min: 0.6, max: 0.7 },
    });
    expect(renderHeadline({ crossHttpOverLocalHttp })).toContain(
      'east-west HTTP hop (through the gateway) − local HTTP hop (mTLS), paired over 2 rounds',
    );
  });

  it('pairs only rounds in which both rows ran, and is null when they never did', () => {
    const cut = [{ rows: rounds[0].rows.slice(0, 2) }, rounds[1]];
    expect(crossClusterHeadline(cut).crossOverLocalBus.rounds).toBe(1);
    expect(crossClusterHeadline([{ rows: rounds[0].rows.slice(0, 2) }])).toMatchObject({
      crossHttpOverLocalHttp: null,
      crossOverLocalBus: null,
    });
  });

  it('renders signed differences and leaves out what did not run', () => {
    const text = renderHeadline(crossClusterHeadline(rounds));
    expect(text).toContain('p50 +100 µs (+100 to +100), p99 +50 µs (-200 to +300)');
    expect(
      renderHeadline({
        crossHttpOverLocalHttp: null,
        crossOverLocalBus: null,
        localBusOverHttp: null,
      }),
    ).toBe('');
  });
});
