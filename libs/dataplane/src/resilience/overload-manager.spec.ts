// Unit spec for the overload manager: at a connection or memory threshold every listener's door
// shuts and readiness is told; below 90% of every threshold it opens again.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { MEMORY_SAMPLE_MS, OverloadManager, type ConnectionGate } from './overload-manager.js';

class Door implements ConnectionGate {
  open = true;
  admit(open: boolean): void {
    this.open = open;
  }
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

  it('shuts every door once the connections across listeners reach the threshold', () => {
    const manager = new OverloadManager({ maxConnections: 10, maxRssBytes: 0 }, changed);
    const [a, b] = [new Door(), new Door()];
    manager.add(a);
    manager.add(b);
    for (let i = 0; i < 9; i++) manager.opened();
    expect([manager.overloaded, a.open, b.open]).toEqual([false, true, true]);
    manager.opened();
    expect([manager.overloaded, a.open, b.open]).toEqual([true, false, false]);
    expect(changes).toEqual([[true, '10 client connections open (threshold 10)']]);
  });

  it('opens again only below 90% of the threshold, so it does not flap at the edge', () => {
    const manager = new OverloadManager({ maxConnections: 10, maxRssBytes: 0 }, changed);
    const door = new Door();
    manager.add(door);
    for (let i = 0; i < 10; i++) manager.opened();
    manager.closed();
    expect([manager.overloaded, door.open]).toEqual([true, false]);
    manager.closed();
    expect([manager.overloaded, door.open]).toEqual([false, true]);
    expect(changes.map(([o]) => o)).toEqual([true, false]);
  });

  it('samples memory: overloaded at the RSS threshold, recovered below 90% of it', () => {
    let rss = 100;
    const manager = new OverloadManager(
      { maxConnections: 0, maxRssBytes: 200 * 2 ** 20 },
      changed,
      () => rss * 2 ** 20,
    );
    const door = new Door();
    manager.add(door);
    manager.start();
    rss = 200;
    jest.advanceTimersByTime(MEMORY_SAMPLE_MS);
    expect([manager.overloaded, door.open]).toEqual([true, false]);
    expect(changes[0]).toEqual([true, 'resident memory 200 MB (threshold 200 MB)']);
    rss = 185;
    jest.advanceTimersByTime(MEMORY_SAMPLE_MS);
    expect(manager.overloaded).toBe(true);
    rss = 170;
    jest.advanceTimersByTime(MEMORY_SAMPLE_MS);
    expect([manager.overloaded, door.open]).toEqual([false, true]);
    manager.stop();
  });

  it('shuts a door added while overloaded; with no thresholds it never is', () => {
    const manager = new OverloadManager({ maxConnections: 1, maxRssBytes: 0 }, changed);
    manager.opened();
    const late = new Door();
    manager.add(late);
    expect(late.open).toBe(false);
    const none = new OverloadManager({ maxConnections: 0, maxRssBytes: 0 }, changed, () => 1e12);
    none.start();
    for (let i = 0; i < 1000; i++) none.opened();
    jest.advanceTimersByTime(10 * MEMORY_SAMPLE_MS);
    expect(none.overloaded).toBe(false);
  });
});
