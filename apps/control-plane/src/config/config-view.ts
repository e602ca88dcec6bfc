// The config bucket as a follower sees it: resources of the last complete revision, and what came after.
import {
  ConfigEntry,
  decodeMessage,
  ENDPOINTS_KEY_PREFIX,
  formatErrors,
  isProjectionKey,
  MEMBER_KEY_PREFIX,
  parseResource,
  SNAPSHOT_KEY,
  SnapshotMarker,
  type ConfigSource,
  type HistoryEntry,
  type Resource,
} from '@app/protocol';
import { reportInvalid, type Logger } from '@app/runtime';
import type { Projections } from './destination-projection.js';

const decoder = new TextDecoder();

export interface Stored {
  readonly resource: Resource;
  readonly source: ConfigSource;
  readonly json: string;
}

/** One value of the bucket as a KV watch delivers it. */
export interface BucketEntry {
  readonly key: string;
  readonly revision: number;
  readonly operation: 'PUT' | 'DEL' | 'PURGE';
  readonly value: Uint8Array;
}

/**
 * Fed every change of the bucket in order, like a proxy it folds resource writes into `desired`
 * only when the snapshot marker closing them arrives, so it never holds half an apply. `pending`
 * is what was written after the last marker: a commit the writer did not finish.
 */
export class ConfigView {
  readonly desired = new Map<string, Stored>();
  /** KV revision of every live key: what the next compare-and-set write of it expects. */
  readonly seqs = new Map<string, number>();
  readonly pending = new Map<string, BucketEntry>();
  /** The projections (`dst.…`, `alias.…`) the bucket holds, as JSON: what a new leader diffs. */
  readonly projections: Projections = new Map();
  revision = 0;

  constructor(private readonly log: Logger) {}

  /** Takes one change; true when it completed a revision (a snapshot marker). */
  apply(entry: BucketEntry): boolean {
    // Endpoint sets and memberships are the endpoint publisher's, not part of a revision.
    if (entry.key.startsWith(`${ENDPOINTS_KEY_PREFIX}.`)) return false;
    if (entry.key.startsWith(`${MEMBER_KEY_PREFIX}.`)) return false;
    if (entry.operation === 'PUT') this.seqs.set(entry.key, entry.revision);
    else this.seqs.delete(entry.key);
    if (isProjectionKey(entry.key)) {
      if (entry.operation === 'PUT') this.projections.set(entry.key, decoder.decode(entry.value));
      else this.projections.delete(entry.key);
      return false;
    }
    if (entry.key !== SNAPSHOT_KEY) {
      this.pending.set(entry.key, entry);
      return false;
    }
    if (entry.operation !== 'PUT') return false;
    const marker = decodeMessage(SnapshotMarker, entry.value, SNAPSHOT_KEY);
    if (!marker.ok) {
      reportInvalid(this.log, 'config', SNAPSHOT_KEY, formatErrors(marker.errors));
      return false;
    }
    for (const [key, change] of this.pending) {
      if (change.operation === 'PUT') this.load(key, change.value);
      else this.desired.delete(key);
    }
    this.pending.clear();
    this.revision = marker.value.revision;
    return true;
  }

  /**
   * A bucket read from scratch holds only each key's last value: a key an unfinished commit wrote
   * after the last marker lost its value at that revision. The revision's history entry (the
   * whole state it left) has it.
   */
  restorePending(entry: HistoryEntry | undefined): void {
    for (const key of this.pending.keys()) {
      const owned = entry?.resources[key];
      if (owned) this.keep(key, owned.source, owned.resource);
      else this.desired.delete(key);
    }
  }

  private load(key: string, value: Uint8Array): void {
    const entry = decodeMessage(ConfigEntry, value, key);
    if (entry.ok) this.keep(key, entry.value.source, entry.value.resource);
    else reportInvalid(this.log, 'config', key, formatErrors(entry.errors));
  }

  private keep(key: string, source: ConfigSource, raw: Record<string, unknown>): void {
    const resource = parseResource(raw);
    if (!resource.ok) return reportInvalid(this.log, 'config', key, formatErrors(resource.errors));
    this.desired.set(key, {
      resource: resource.value,
      source,
      json: JSON.stringify(resource.value),
    });
  }
}
