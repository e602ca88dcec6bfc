// Debouncer: one run after a quiet period, bounded by a maximum delay; urgent changes wait at most the quiet period.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Debouncer } from './debouncer.js';

describe('Debouncer', () => {
  let runs: number[];
  let debouncer: Debouncer;

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    runs = [];
    debouncer = new Debouncer({ quietMs: 100, maxMs: 500 }, () => runs.push(Date.now()));
  });
  afterEach(() => {
    debouncer.cancel();
    jest.useRealTimers();
  });

  it('runs once, a quiet period after the last of a burst', () => {
    debouncer.trigger();
    jest.advanceTimersByTime(60);
    debouncer.trigger();
    jest.advanceTimersByTime(60);
    debouncer.trigger();
    jest.advanceTimersByTime(99);
    expect(runs).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(runs).toEqual([220]);
  });

  it('runs at the maximum delay while changes keep coming, then starts a new window', () => {
    // A change every 50 ms from 0 to 950: never 100 ms of quiet.
    for (let t = 0; t < 1_000; t += 50) {
      debouncer.trigger();
      jest.advanceTimersByTime(50);
    }
    expect(runs).toEqual([500, 1_000]);
    jest.advanceTimersByTime(1_000);
    expect(runs).toEqual([500, 1_000]);
  });

  it('runs a lone change after the quiet period, and nothing without a change', () => {
    jest.advanceTimersByTime(1_000);
    expect(runs).toEqual([]);
    debouncer.trigger();
    jest.advanceTimersByTime(100);
    expect(runs).toEqual([1_100]);
    jest.advanceTimersByTime(1_000);
    expect(runs).toEqual([1_100]);
  });

  it('never holds an urgent change longer than the quiet period, whatever follows it', () => {
    debouncer.trigger();
    jest.advanceTimersByTime(30);
    debouncer.trigger(true);
    // Changes every 20 ms would postpone an ordinary run to the maximum delay.
    for (let i = 0; i < 4; i++) {
      jest.advanceTimersByTime(20);
      debouncer.trigger();
    }
    jest.advanceTimersByTime(19);
    expect(runs).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(runs).toEqual([130]);
    // The window after the run is an ordinary one again.
    debouncer.trigger();
    jest.advanceTimersByTime(100);
    expect(runs).toEqual([130, 230]);
  });

  it('runs an urgent change a quiet period after it even inside a long burst', () => {
    for (let t = 0; t < 300; t += 50) {
      debouncer.trigger(t === 150);
      jest.advanceTimersByTime(50);
    }
    expect(runs).toEqual([250]);
  });

  it('runs at once on runNow, in place of the pending run', () => {
    debouncer.trigger();
    jest.advanceTimersByTime(50);
    debouncer.runNow();
    expect(runs).toEqual([50]);
    jest.advanceTimersByTime(1_000);
    expect(runs).toEqual([50]);
  });

  it('drops a pending run on cancel', () => {
    debouncer.trigger();
    debouncer.cancel();
    jest.advanceTimersByTime(1_000);
    expect(runs).toEqual([]);
  });
});
