// Istio's debounce for the revisions proxies apply: a marker announced while none went out for a
// quiet period goes at once; those of a burst of applies merge into one, so a proxy that follows its
// destinations compiles once per burst (every revision is in the bucket all the same).
import type { KeyRevision, SnapshotMarker } from '@app/protocol';
import { Debouncer, type DebounceTiming } from '../discovery/debouncer.js';

export class MarkerAnnouncements {
  private readonly debouncer: Debouncer;
  /** The latest marker held back, and every projection the held-back ones listed (latest revision each). */
  private held: { seq: number; marker: SnapshotMarker } | undefined;
  private readonly projections = new Map<string, number>();
  private lastAt = -Infinity;

  constructor(
    private readonly timing: DebounceTiming,
    /** Sends one marker at its KV revision (its JSON, projections merged). */
    private readonly send: (seq: number, json: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.debouncer = new Debouncer(timing, () => this.flush(), now);
  }

  add(seq: number, marker: SnapshotMarker): void {
    const now = this.now();
    if (!this.held && now - this.lastAt >= this.timing.quietMs) {
      this.lastAt = now;
      return this.send(seq, JSON.stringify(marker));
    }
    this.held = { seq, marker };
    for (const { key, seq: at } of marker.projections ?? []) this.projections.set(key, at);
    this.debouncer.trigger();
  }

  /** Drops what is held (shutdown, or this replica stopped leading). */
  cancel(): void {
    this.debouncer.cancel();
    this.held = undefined;
    this.projections.clear();
  }

  private flush(): void {
    const held = this.held;
    if (!held) return;
    const projections: KeyRevision[] = [...this.projections].map(([key, seq]) => ({ key, seq }));
    this.held = undefined;
    this.projections.clear();
    this.lastAt = this.now();
    this.send(held.seq, JSON.stringify({ ...held.marker, projections }));
  }
}
