// Follows every key of the config bucket in order: the current values first, then each change.
import type { KV } from '@nats-io/kv';
import type { Logger } from '@app/runtime';
import type { BucketEntry } from './config-view.js';
import { SLICE_MS } from './in-slices.js';

const RETRY_MS = 500;

/** A watch that resumes after the last revision it delivered when NATS interrupts it. */
export class ConfigWatch {
  private lastRevision = 0;
  private stopped = false;
  private stopIter: (() => void) | undefined;

  constructor(
    private readonly kv: KV,
    private readonly onEntry: (entry: BucketEntry) => void,
    private readonly log: Logger,
  ) {}

  /** Starts following; resolves once the values the bucket held at the start are delivered. */
  start(): Promise<void> {
    return new Promise((caughtUp, failed) => {
      void this.loop(caughtUp).catch(failed);
    });
  }

  stop(): void {
    this.stopped = true;
    this.stopIter?.();
  }

  private async loop(caughtUp: () => void): Promise<void> {
    // An empty bucket delivers nothing to wait for.
    if ((await this.kv.status()).values === 0) caughtUp();
    while (!this.stopped) {
      try {
        const iter = await this.kv.watch({
          key: '>',
          resumeFromRevision: this.lastRevision > 0 ? this.lastRevision + 1 : undefined,
        });
        this.stopIter = () => iter.stop();
        if (this.stopped) iter.stop();
        let until = performance.now() + SLICE_MS;
        for await (const entry of iter) {
          this.lastRevision = entry.revision;
          this.onEntry(entry);
          // The watch flags the last of the initial values (and everything after) as updates.
          if (entry.isUpdate) caughtUp();
          // Entries already delivered are iterated without a turn of the event loop in between:
          // 30,000 of them (an apply of 10,000 Services) would hold it for a second.
          if (performance.now() < until) continue;
          await new Promise<void>((resolve) => setImmediate(resolve));
          until = performance.now() + SLICE_MS;
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'config bucket watch interrupted; retrying');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
