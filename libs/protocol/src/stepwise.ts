// Work done in steps: a generator that pauses between pieces of a long computation and returns its
// result, so a caller runs it to the end at once or in slices of its event loop.

/** Yields (nothing) wherever it may pause; its return value is the result. */
export type Stepwise<T> = Generator<void, T, void>;

/** Runs `work` to the end without pausing. */
export function runToEnd<T>(work: Stepwise<T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}
