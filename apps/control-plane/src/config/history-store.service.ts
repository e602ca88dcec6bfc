// Applied revisions in their own JetStream KV bucket (file storage): history, diff base, rollback.
import { Inject, Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import {
  decodeMessage,
  encode,
  formatErrors,
  HistoryEntry,
  type HistorySummary,
} from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';

/** Revisions kept; older ones are deleted as new ones are written. */
export const HISTORY_DEPTH = 200;

const keyOf = (revision: number): string => `revision.${revision}`;
const revisionOf = (key: string): number => Number(key.slice('revision.'.length));

@Injectable()
export class HistoryStore {
  private kv: KV | undefined;

  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  attach(kv: KV): void {
    this.kv = kv;
  }

  /**
   * Written first in a commit, before the revision's resources and snapshot marker, so every
   * published revision has its entry. Created, never overwritten: of two writers claiming one
   * revision number, one fails.
   */
  async record(entry: HistoryEntry): Promise<void> {
    const kv = this.bucket();
    await kv.create(keyOf(entry.revision), encode(entry));
    if (entry.revision > HISTORY_DEPTH) await kv.purge(keyOf(entry.revision - HISTORY_DEPTH));
  }

  /** Removes entries past `revision`: claimed by a commit whose snapshot marker never followed. */
  async discardAfter(revision: number): Promise<void> {
    const kv = this.bucket();
    const orphans: number[] = [];
    for await (const key of await kv.keys('revision.*')) {
      const n = revisionOf(key);
      if (n > revision) orphans.push(n);
    }
    for (const n of orphans) await kv.purge(keyOf(n));
    if (orphans.length > 0)
      this.log.warn({ revisions: orphans }, 'discarded history of revisions never published');
  }

  async get(revision: number): Promise<HistoryEntry | undefined> {
    const key = keyOf(revision);
    const raw = await this.bucket().get(key);
    if (!raw || raw.operation !== 'PUT') return undefined;
    const entry = decodeMessage(HistoryEntry, raw.value, key);
    if (entry.ok) return entry.value;
    reportInvalid(this.log, 'history', key, formatErrors(entry.errors));
    return undefined;
  }

  /** Newest first. */
  async list(): Promise<HistorySummary[]> {
    const revisions: number[] = [];
    for await (const key of await this.bucket().keys('revision.*')) revisions.push(revisionOf(key));
    revisions.sort((a, b) => b - a);
    const entries = await Promise.all(revisions.map((r) => this.get(r)));
    return entries
      .filter((e): e is HistoryEntry => e !== undefined)
      .map((e) => ({
        revision: e.revision,
        source: e.source,
        author: e.author,
        appliedAt: new Date(e.appliedAt).toISOString(),
        changes: e.changes,
      }));
  }

  private bucket(): KV {
    if (!this.kv) throw new Error('history bucket not open yet (NATS unreachable?)');
    return this.kv;
  }
}
