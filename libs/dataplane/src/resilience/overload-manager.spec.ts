// Unit spec for the overload manager: at the connection threshold every listener's door shuts; at a
// memory, heap or event-loop lag threshold requests are shed; each action ends below 90% of its
// threshold, and readiness is told of every change.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  OverloadManager,
  SAMPLE_MS,
  type ConnectionGate,
  type OverloadThresholds,
  type ProcessLoad,
} from './overload-manager.js';

class Door implements ConnectionGate {
  open = true;
  admit(open: boolean): void {
    this.open = open;
  }
}

const MB = 2 ** 20;
const NONE: OverloadThresholds = {
  maxConnections: 0,
  maxRssBytes: 0,
  maxHeapBytes: 0,
  maxEventLoopLagMs: 0,
};

/** A process whose memory and lag the test sets; the lag probe's start and stop are recorded. */
class FakeLoad implements ProcessLoad {
  rss = 0;
  heapUsed = 0;
  lagMs = 0;
  probing = false;
  memory() {
    return { rss: this.rss, heapUsed: this.heapUsed };
  }
  readonly lag = {
    start: () => (this.probing = true),
    stop: () => (this.probing = false),
    take: () => this.lagMs,
  };
}

describe('OverloadManager', () => {
  const changes: [boolean, string][] = [];
  const changed = (overloaded: boolean, why: string) => changes.push([overloaded, why]);

  beforeEach(() => {
    changes.length = 0;
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('shuts every door once the connections across listeners reach the threshold, and sheds nothing', () => {
    const manager = new OverloadManager({ ...NONE, maxConnections: 10 }, changed, new FakeLoad());
    const [a, b] = [new Door(), new Door()];
    manager.add(a);
    manager.add(b);
    for (let i = 0; i < 9; i++) manager.opened();
    expect([manager.overloaded, a.open, b.open]).toEqual([false, true, true]);
    manager.opened();
    expect([manager.overloaded, a.open, b.open]).toEqual([true, false, false]);
    expect(manager.sheddingRequests).toBe(false);
    expect(changes).toEqual([[true, '10 client connections open (threshold 10)']]);
  });

  it('opens again only below 90% of the threshold, so it does not flap at the edge', () => {
    const manager = new OverloadManager({ ...NONE, maxConnections: 10 }, changed, new FakeLoad());
    const door = new Door();
    manager.add(door);
    for (let i = 0; i < 10; i++) manager.opened();
    manager.closed();
    expect([manager.overloaded, door.open]).toEqual([true, false]);
    manager.closed();
    expect([manager.overloaded, door.open]).toEqual([false, true]);
    expect(changes).toEqual([
      [true, '10 client connections open (threshold 10)'],
      [false, 'below every threshold'],
    ]);
  });

  it.each([
    [
      'resident memory',
      { maxRssBytes: 200 * MB },
      (l: FakeLoad, v: number) => (l.rss = v * MB),
      'resident memory 200 MB (threshold 200 MB)',
    ],
    [
      'heap in use',
      { maxHeapBytes: 200 * MB },
      (l: FakeLoad, v: number) => (l.heapUsed = v * MB),
      'heap in use 200 MB (threshold 200 MB)',
    ],
    [
      'event-loop lag',
      { maxEventLoopLagMs: 200 },
      (l: FakeLoad, v: number) => (l.lagMs = v),
      'event-loop lag 200 ms (threshold 200 ms)',
    ],
  ] as const)(
    'samples %s: sheds requests at the threshold (doors stay open), stops below 90% of it',
    (_, threshold, set, why) => {
      const load = new FakeLoad();
      const manager = new OverloadManager({ ...NONE, ...threshold }, changed, load);
      const door = new Door();
      manager.add(door);
      set(load, 100);
      manager.start();
      expect(manager.sheddingRequests).toBe(false);
      set(load, 200);
      jest.advanceTimersByTime(SAMPLE_MS);
      expect([manager.overloaded, manager.sheddingRequests, door.open]).toEqual([true, true, true]);
      expect(changes).toEqual([[true, why]]);
      set(load, 185);
      jest.advanceTimersByTime(SAMPLE_MS);
      expect(manager.sheddingRequests).toBe(true);
      set(load, 170);
      jest.advanceTimersByTime(SAMPLE_MS);
      expect([manager.overloaded, manager.sheddingRequests]).toEqual([false, false]);
      manager.stop();
    },
  );

  it('probes the event loop only with a lag threshold', () => {
    const load = new FakeLoad();
    new OverloadManager({ ...NONE, maxHeapBytes: MB }, changed, load).start();
    expect(load.probing).toBe(false);
    const lagged = new OverloadManager({ ...NONE, maxEventLoopLagMs: 100 }, changed, load);
    lagged.start();
    expect(load.probing).toBe(true);
    lagged.stop();
    expect(load.probing).toBe(false);
  });

  it('counts shed requests', () => {
    const manager = new OverloadManager(NONE, changed, new FakeLoad());
    manager.countShed();
    manager.countShed();
    expect(manager.shedRequests).toBe(2);
  });

  it('shuts a door added while refusing; with no thresholds it never is overloaded', () => {
    const manager = new OverloadManager({ ...NONE, maxConnections: 1 }, changed, new FakeLoad());
    manager.opened();
    const late = new Door();
    manager.add(late);
    expect(late.open).toBe(false);
    const load = new FakeLoad();
    [load.rss, load.heapUsed, load.lagMs] = [1e12, 1e12, 1e6];
    const none = new OverloadManager(NONE, changed, load);
    none.start();
    for (let i = 0; i < 1000; i++) none.opened();
    jest.advanceTimersByTime(10 * SAMPLE_MS);
    expect(none.overloaded).toBe(false);
  });
});
