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

@Injectable()
export class HistoryStore {
  private kv: KV | undefined;

  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  attach(kv: KV): void {
    this.kv = kv;
  }

  /** Written before the revision's snapshot marker, so every published revision has its entry. */
  async record(entry: HistoryEntry): Promise<void> {
    const kv = this.bucket();
    await kv.put(keyOf(entry.revision), encode(entry));
    if (entry.revision > HISTORY_DEPTH) await kv.purge(keyOf(entry.revision - HISTORY_DEPTH));
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
    for await (const key of await this.bucket().keys('revision.*'))
      revisions.push(Number(key.slice(9)));
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
