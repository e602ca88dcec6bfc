// A KV bucket double for unit specs: compare-and-set, keys and watch semantics, every write recorded
// in order, a put that can be told to fail, and a count of writes in flight at once.

interface Entry {
  key: string;
  revision: number;
  operation: 'PUT' | 'DEL' | 'PURGE';
  value: Uint8Array;
  isUpdate: boolean;
}

/**
 * A bucket with KV's compare-and-set and watch semantics that records writes in order and can be
 * told to fail the n-th put.
 */
export class RecordingBucket {
  readonly writes: string[] = [];
  readonly values = new Map<string, string>();
  private readonly last = new Map<string, Entry>();
  private readonly watchers = new Set<(e: Entry) => void>();
  private seq = 0;
  failOnPut = 0;
  /** The most puts that were issued and not yet answered at one time. */
  maxInFlight = 0;
  private inFlight = 0;
  private puts = 0;

  put(key: string, value: Uint8Array): Promise<number> {
    if (++this.puts === this.failOnPut) return Promise.reject(new Error('no responders'));
    this.writes.push(`put ${key}`);
    this.values.set(key, new TextDecoder().decode(value));
    const revision = this.append(key, 'PUT', value);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    // Answered a microtask later: writes awaited one by one never overlap, writes issued together do.
    return Promise.resolve().then(() => {
      this.inFlight--;
      return revision;
    });
  }

  create(key: string, value: Uint8Array): Promise<number> {
    if (this.last.get(key)?.operation === 'PUT') return Promise.reject(new Error('key exists'));
    return this.put(key, value);
  }

  update(key: string, value: Uint8Array, revision: number): Promise<number> {
    if (this.last.get(key)?.revision !== revision)
      return Promise.reject(new Error('wrong last sequence'));
    return this.put(key, value);
  }

  delete(key: string, opts?: { previousSeq?: number }): Promise<void> {
    if (opts?.previousSeq && this.last.get(key)?.revision !== opts.previousSeq)
      return Promise.reject(new Error('wrong last sequence'));
    this.writes.push(`del ${key}`);
    this.values.delete(key);
    this.append(key, 'DEL', new Uint8Array());
    return Promise.resolve();
  }

  purge(key: string): Promise<void> {
    return this.delete(key);
  }

  get(key: string): Promise<Entry | null> {
    return Promise.resolve(this.last.get(key) ?? null);
  }

  /** Keys matching `filter` as a NATS subject does: `*` one token, a last `>` one or more. */
  keys(filter = '>'): Promise<AsyncIterable<string>> {
    const want = filter.split('.');
    const matches = (key: string): boolean => {
      const tokens = key.split('.');
      for (const [i, token] of want.entries()) {
        if (token === '>') return tokens.length > i;
        if (i >= tokens.length || (token !== '*' && token !== tokens[i])) return false;
      }
      return tokens.length === want.length;
    };
    const keys = [...this.values.keys()].filter(matches);
    return Promise.resolve(
      (async function* () {
        yield* keys;
      })(),
    );
  }

  status(): Promise<{ values: number }> {
    return Promise.resolve({ values: this.last.size });
  }

  /** The last value of every key in order (the last one flagged as an update), then each change. */
  watch(): Promise<AsyncIterable<Entry> & { stop(): void }> {
    const queue = [...this.last.values()]
      .sort((x, y) => x.revision - y.revision)
      .map((e, i, all) => ({ ...e, isUpdate: i === all.length - 1 }));
    let wake: (() => void) | undefined;
    let stopped = false;
    const listener = (e: Entry): void => {
      queue.push(e);
      wake?.();
    };
    this.watchers.add(listener);
    const watchers = this.watchers;
    return Promise.resolve({
      stop(): void {
        stopped = true;
        watchers.delete(listener);
        wake?.();
      },
      async *[Symbol.asyncIterator](): AsyncGenerator<Entry> {
        while (!stopped) {
          const next = queue.shift();
          if (next) yield next;
          else await new Promise<void>((r) => (wake = r));
        }
      },
    });
  }

  private append(key: string, operation: Entry['operation'], value: Uint8Array): number {
    const entry = { key, revision: ++this.seq, operation, value, isUpdate: true };
    this.last.set(key, entry);
    this.watchers.forEach((w) => w(entry));
    return entry.revision;
  }
}
