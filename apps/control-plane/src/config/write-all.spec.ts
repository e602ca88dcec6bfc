// writeAll: at most a window of writes in flight, every started write awaited, none started after a failure.
import { describe, expect, it } from '@jest/globals';
import { writeAll } from './write-all.js';

/** `n` writes that each take a few turns of the event loop, counting how many run at once. */
function writes(n: number, failAt = -1) {
  const seen = { started: 0, finished: 0, inFlight: 0, maxInFlight: 0 };
  const tasks = Array.from({ length: n }, (_, i) => async () => {
    seen.started++;
    seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
    await new Promise((r) => setImmediate(r));
    seen.inFlight--;
    seen.finished++;
    if (i === failAt) throw new Error(`write ${i} refused`);
  });
  return { tasks, seen };
}

describe('writeAll', () => {
  it('runs every write with at most the window in flight', async () => {
    const { tasks, seen } = writes(1_000);
    await writeAll(tasks, 64);
    expect(seen).toMatchObject({ started: 1_000, finished: 1_000, maxInFlight: 64 });
  });

  it('starts no write after one failed, and settles only once those started are done', async () => {
    const { tasks, seen } = writes(1_000, 10);
    await expect(writeAll(tasks, 8)).rejects.toThrow('write 10 refused');
    expect(seen.inFlight).toBe(0);
    expect(seen.finished).toBe(seen.started);
    expect(seen.started).toBeLessThan(30);
  });
});
