// Unit spec for MarkerAnnouncements on fake timers: a lone marker goes at once, a burst's merge into
// its last one a quiet period later, listing every projection the burst wrote.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { SnapshotMarker } from '@app/protocol';
import { MarkerAnnouncements } from './marker-announcements.js';

const QUIET = 50;
const marker = (revision: number, projections: [string, number][]): SnapshotMarker => ({
  v: 1,
  revision,
  source: 'api',
  appliedAt: 0,
  author: 'test',
  projections: projections.map(([key, seq]) => ({ key, seq })),
});

describe('MarkerAnnouncements', () => {
  let sent: { seq: number; marker: SnapshotMarker }[];
  let markers: MarkerAnnouncements;

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    markers = new MarkerAnnouncements({ quietMs: QUIET, maxMs: 500 }, (seq, json) =>
      sent.push({ seq, marker: JSON.parse(json) as SnapshotMarker }),
    );
  });
  afterEach(() => {
    markers.cancel();
    jest.useRealTimers();
  });

  it('announces a marker at once when none went out for a quiet period', () => {
    markers.add(10, marker(1, [['dst.default.a', 9]]));
    expect(sent).toEqual([{ seq: 10, marker: marker(1, [['dst.default.a', 9]]) }]);
    jest.advanceTimersByTime(QUIET);
    markers.add(12, marker(2, []));
    expect(sent.map((s) => s.marker.revision)).toEqual([1, 2]);
  });

  it('merges a burst into its last marker, listing every projection at its latest revision', () => {
    markers.add(10, marker(1, [['dst.default.a', 9]]));
    markers.add(
      13,
      marker(2, [
        ['dst.default.a', 11],
        ['dst.default.b', 12],
      ]),
    );
    jest.advanceTimersByTime(10);
    markers.add(
      16,
      marker(3, [
        ['dst.default.c', 15],
        ['dst.default.b', 0],
      ]),
    );
    jest.advanceTimersByTime(QUIET - 1);
    expect(sent.map((s) => s.marker.revision)).toEqual([1]);
    jest.advanceTimersByTime(1);
    expect(sent).toHaveLength(2);
    expect(sent[1].seq).toBe(16);
    expect(sent[1].marker.revision).toBe(3);
    expect(sent[1].marker.projections).toEqual([
      { key: 'dst.default.a', seq: 11 },
      { key: 'dst.default.b', seq: 0 },
      { key: 'dst.default.c', seq: 15 },
    ]);
  });

  it('sends a steady trickle no later than the maximum wait', () => {
    markers.add(1, marker(1, []));
    for (let r = 2; r <= 30; r++) {
      jest.advanceTimersByTime(QUIET - 10);
      markers.add(r, marker(r, []));
    }
    // A marker every 40 ms: the first at once; the next burst (from 40 ms) goes at 540 ms with the
    // one added at 520 ms, the one after (from 560 ms) at 1,060 ms with the one added at 1,040 ms.
    expect(sent.map((s) => s.marker.revision)).toEqual([1, 14, 27]);
  });
});
