// Runs stepwise work (a generator that pauses between pieces) in slices of the event loop, so a
// 10,000-resource apply never holds it: lease renewals, heartbeats and health checks run between slices.
import type { Stepwise } from '@app/protocol';

/** How long one slice may run before the event loop gets a turn. */
export const SLICE_MS = 20;

/** Runs `work` to the end, giving the event loop a turn (`setImmediate`) after every `sliceMs`. */
export async function inSlices<T>(work: Stepwise<T>, sliceMs = SLICE_MS): Promise<T> {
  let until = performance.now() + sliceMs;
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    if (performance.now() < until) continue;
    await new Promise<void>((resolve) => setImmediate(resolve));
    until = performance.now() + sliceMs;
  }
}
