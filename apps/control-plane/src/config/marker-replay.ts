// What the leader announces again once its NATS connection is back: the last committed snapshot
// marker, listing every projection of the markers not known to have reached the server (a marker
// published as the connection died is lost, and proxies that stayed connected would never hear of
// its revision).
import type { KeyRevision, SnapshotMarker } from '@app/protocol';

export class MarkerReplay {
  /** The last marker committed, at its KV revision. */
  private last: { seq: number; marker: SnapshotMarker } | undefined;
  /** KV revision of each marker not yet confirmed → the projections it listed. */
  private readonly unconfirmed = new Map<number, readonly KeyRevision[]>();

  /** A marker committed at `seq` (announced now or later, merged into a burst's last). */
  committed(seq: number, marker: SnapshotMarker): void {
    this.last = { seq, marker };
    this.unconfirmed.set(seq, marker.projections ?? []);
  }

  /** The server has everything published up to the marker at `seq` (a flush answered). */
  confirmed(seq: number): void {
    for (const at of this.unconfirmed.keys()) if (at <= seq) this.unconfirmed.delete(at);
  }

  /** Nothing to announce again (this replica stopped leading: another one's markers follow). */
  clear(): void {
    this.last = undefined;
    this.unconfirmed.clear();
  }

  /**
   * The marker to announce again: the last one, listing each projection the unconfirmed ones
   * wrote (latest revision each), so a proxy that missed them reads what it follows; undefined
   * when there is none.
   */
  replay(): { seq: number; marker: SnapshotMarker } | undefined {
    if (!this.last) return undefined;
    const projections = new Map<string, number>();
    for (const listed of [...this.unconfirmed.values(), this.last.marker.projections ?? []])
      for (const { key, seq } of listed)
        projections.set(key, Math.max(seq, projections.get(key) ?? 0));
    const merged = [...projections].map(([key, seq]) => ({ key, seq }));
    return { seq: this.last.seq, marker: { ...this.last.marker, projections: merged } };
  }
}
