// Unit spec for MarkerReplay: the last committed marker, listing what the unconfirmed ones wrote;
// nothing once confirmed past them, nothing after this replica stopped leading.
import { describe, expect, it } from '@jest/globals';
import type { SnapshotMarker } from '@app/protocol';
import { MarkerReplay } from './marker-replay.js';

const marker = (revision: number, projections: [string, number][]): SnapshotMarker => ({
  v: 1,
  revision,
  source: 'api',
  appliedAt: 1,
  author: 'spec',
  projections: projections.map(([key, seq]) => ({ key, seq })),
});

describe('MarkerReplay', () => {
  it('replays the last marker with the projections of every unconfirmed one, latest revision each', () => {
    const replay = new MarkerReplay();
    expect(replay.replay()).toBeUndefined();
    replay.committed(10, marker(1, [['dst.default.a', 9]]));
    replay.confirmed(10);
    replay.committed(
      13,
      marker(2, [
        ['dst.default.b', 11],
        ['dst.default.c', 12],
      ]),
    );
    replay.committed(16, marker(3, [['dst.default.b', 15]]));
    expect(replay.replay()).toEqual({
      seq: 16,
      marker: marker(3, [
        ['dst.default.b', 15],
        ['dst.default.c', 12],
      ]),
    });
    // Confirmed up to the last: only its own projections are listed.
    replay.confirmed(16);
    expect(replay.replay()).toEqual({ seq: 16, marker: marker(3, [['dst.default.b', 15]]) });
  });

  it('replays nothing once cleared (deposed)', () => {
    const replay = new MarkerReplay();
    replay.committed(10, marker(1, []));
    replay.clear();
    expect(replay.replay()).toBeUndefined();
  });
});
