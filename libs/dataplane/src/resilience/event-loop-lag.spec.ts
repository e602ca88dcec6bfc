// Unit spec for the event-loop lag probe: the mean lateness of its timer over a window.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventLoopLag, LAG_PROBE_MS } from './event-loop-lag.js';

describe('EventLoopLag', () => {
  let clock = 0;
  /** The loop is busy `ms` longer than the probe asked for before the next probe runs. */
  const late = (ms: number) => {
    clock += LAG_PROBE_MS + ms;
    jest.advanceTimersByTime(LAG_PROBE_MS);
  };

  beforeEach(() => {
    clock = 0;
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('reads 0 for punctual probes, the mean lateness of late ones, and starts a new window each take', () => {
    const lag = new EventLoopLag(() => clock);
    lag.start();
    late(0);
    late(0);
    expect(lag.take()).toBe(0);
    late(300);
    late(100);
    expect(lag.take()).toBe(200);
    late(0);
    expect(lag.take()).toBe(0);
    lag.stop();
  });

  it('one pause among many punctual probes reads low; a window no probe ran in reads the wait', () => {
    const lag = new EventLoopLag(() => clock);
    lag.start();
    late(90);
    for (let i = 0; i < 9; i++) late(0);
    expect(lag.take()).toBe(9);
    clock += LAG_PROBE_MS + 700;
    expect(lag.take()).toBe(700);
    lag.stop();
  });
});
