// Issues writes with a bounded number in flight (pipelined KV round trips), waits for every write it
// started, and fails like the first that failed.

/**
 * Writes in flight at once: enough to pipeline round trips, few enough that a lease renewal sent on
 * the same connection meanwhile never queues behind thousands of them.
 */
export const WRITE_WINDOW = 256;

/**
 * Runs `writes` with at most `window` in flight. After a failure it starts no more of them, and it
 * settles only once none of those it started is in flight: a caller repairing after a failure must
 * know no write of the batch is still on its way. Rejects with the first error, if any.
 */
export async function writeAll(
  writes: Iterable<() => Promise<unknown>>,
  window = WRITE_WINDOW,
): Promise<void> {
  const queue = writes[Symbol.iterator]();
  let failure: { readonly reason: unknown } | undefined;
  const lane = async (): Promise<void> => {
    for (let next = queue.next(); !next.done && !failure; next = queue.next()) {
      try {
        await next.value();
      } catch (reason) {
        failure ??= { reason };
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  if (failure) throw failure.reason;
}
