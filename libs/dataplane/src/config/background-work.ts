// The one owner of the promises a config follower starts and does not await: each failure is
// logged, never left unhandled; markers and resyncs run one at a time, in arrival order; and a
// marker can wait until the reads in flight (and those they start) are done.
import type { Logger } from 'pino';

export class BackgroundWork {
  /** Owned work `settled()` waits for. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The serial work queued last. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly log: Logger) {}

  /** `work`, owned: a failure is logged (`failure`, with `context`), and the result resolves. */
  own(work: Promise<unknown>, failure: string, context?: object): Promise<void> {
    return work.then(
      () => undefined,
      (err: unknown) => this.log.warn({ ...context, err: messageOf(err) }, failure),
    );
  }

  /** `work`, owned, and awaited by `settled()`: a read whose value the next marker must see. */
  track(work: Promise<unknown>, failure: string, context?: object): Promise<void> {
    const owned = this.own(work, failure, context).finally(() => this.inFlight.delete(owned));
    this.inFlight.add(owned);
    return owned;
  }

  /** Runs `work` once everything queued before it is done. */
  serial(work: () => Promise<void>, failure: string): void {
    this.queue = this.own(this.queue.then(work), failure);
  }

  /** Resolves once no tracked work is in flight, work started meanwhile included. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
