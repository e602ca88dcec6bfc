// Test double of the config feed: a bucket in memory with KV revisions (get, status, watch) and the
// announcement subjects (subscribe), where a spec writes values, announces them or not, and sees
// what a follower read and listens to.
import { encode, type Subjects } from '@app/protocol';
import type {
  ConfigFeed,
  ConfigLink,
  StoredValue,
  WatchedValue,
  WatchedValues,
} from './config-feed.js';

type Deliver = (subject: string, data: Uint8Array) => void;

export class MemoryConfigFeed implements ConfigFeed, ConfigLink {
  /** The bucket's last KV revision. */
  revision = 0;
  /** Keys read with `get`, in order. */
  readonly reads: string[] = [];
  /** Times `open` fails before it answers (NATS not there yet). */
  failOpens = 0;
  private readonly values = new Map<string, StoredValue>();
  private readonly history: StoredValue[] = [];
  private readonly subscriptions = new Map<string, Deliver>();
  private readonly watchers = new Set<(value: WatchedValue) => void>();
  private readonly stops = new Set<() => void>();

  constructor(private readonly subjects: Subjects) {}

  async open(): Promise<ConfigLink> {
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new Error('no responders');
    }
    return this;
  }

  /** Writes `value` (JSON) under `key`, unannounced; returns its KV revision. */
  put(key: string, value: object): number {
    return this.store(key, 'PUT', encode(value));
  }

  /** Deletes `key`, unannounced; returns the delete's KV revision (one past the value it removed). */
  delete(key: string): number {
    return this.store(key, 'DEL', new Uint8Array());
  }

  /** Writes `value` under `key` and announces it as the leader does (the value with it, unless too big). */
  putAnnounced(key: string, value: object, withValue = true): number {
    const seq = this.put(key, value);
    this.announce({ key, seq, op: 'PUT', ...(withValue && { value }) });
    return seq;
  }

  /** Deletes `key` and announces it. */
  deleteAnnounced(key: string): number {
    const seq = this.delete(key);
    this.announce({ key, seq, op: 'DEL' });
    return seq;
  }

  /** Sends an announcement as it is, to whoever listens on the subject of `key`. */
  announce(note: { key: string; seq: number; op: 'PUT' | 'DEL'; value?: unknown }): void {
    const subject = this.subjects.configAnnouncement(note.key);
    this.subscriptions.get(subject)?.(subject, encode({ v: 1, ...note }));
  }

  /** Ends every watch, as a lost connection does. */
  interrupt(): void {
    for (const stop of this.stops) stop();
  }

  /** The announcement subjects listened to now. */
  get listening(): string[] {
    return [...this.subscriptions.keys()];
  }

  async get(key: string): Promise<StoredValue | null> {
    this.reads.push(key);
    return this.values.get(key) ?? null;
  }

  async status(): Promise<{ values: number }> {
    return { values: [...this.values.values()].filter((v) => v.operation === 'PUT').length };
  }

  /**
   * The last values, or from `resumeFromRevision` on the writes since, then every write. As NATS
   * KV does, `isUpdate` turns true with the last value of that replay.
   */
  async watch(options: { key: string; resumeFromRevision?: number }): Promise<WatchedValues> {
    const from = options.resumeFromRevision;
    const replay =
      from === undefined
        ? [...this.values.values()].sort((a, b) => a.revision - b.revision)
        : this.history.filter((v) => v.revision >= from);
    const queue: WatchedValue[] = replay.map((v, i) => ({
      ...v,
      isUpdate: i === replay.length - 1,
    }));
    let wake: (() => void) | undefined;
    let stopped = false;
    const push = (value: WatchedValue): void => {
      queue.push(value);
      wake?.();
    };
    const stop = (): void => {
      stopped = true;
      this.watchers.delete(push);
      this.stops.delete(stop);
      wake?.();
    };
    this.watchers.add(push);
    this.stops.add(stop);
    return {
      stop,
      async *[Symbol.asyncIterator]() {
        while (!stopped) {
          const next = queue.shift();
          if (next) yield next;
          else await new Promise<void>((r) => (wake = r));
        }
      },
    };
  }

  subscribe(subject: string, deliver: Deliver): { unsubscribe(): void } {
    this.subscriptions.set(subject, deliver);
    return { unsubscribe: () => this.subscriptions.delete(subject) };
  }

  private store(key: string, operation: 'PUT' | 'DEL', value: Uint8Array): number {
    const stored = { key, operation, value, revision: ++this.revision };
    this.values.set(key, stored);
    this.history.push(stored);
    for (const watcher of this.watchers) watcher({ ...stored, isUpdate: true });
    return stored.revision;
  }
}
