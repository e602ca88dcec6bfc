// Awaits writes issued together (pipelined KV round trips) and fails like the first that failed.

/**
 * Waits for every promise, not just up to the first rejection: a caller repairing after a failure
 * must know no write of the batch is still in flight. Rejects with the first error, if any.
 */
export async function settleAll(writes: readonly Promise<unknown>[]): Promise<void> {
  const outcomes = await Promise.allSettled(writes);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}
