// Applied revisions in their own JetStream KV bucket (file storage): history, diff base, rollback.
// Each revision is a head (its summary) and its entry in parts, so a history entry has no size limit.
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import {
  decodeMessage,
  encode,
  formatErrors,
  HISTORY_HEAD_CHANGES,
  HistoryEntry,
  HistoryHead,
  type HistorySummary,
} from '@app/protocol';
import { LOGGER, reportInvalid, type Logger } from '@app/runtime';
import { writeAll } from './write-all.js';

/** Revisions kept; older ones are deleted as new ones are written. */
export const HISTORY_DEPTH = 200;

/**
 * Bytes of an entry per part: well under any NATS server's `max_payload` (1 MiB by default), as the
 * JetStream object store chunks its objects.
 */
export const HISTORY_PART_BYTES = 128 * 1024;

const headKey = (revision: number): string => `revision.${revision}`;
const partKey = (revision: number, part: number): string => `revision.${revision}.${part}`;
/** The revision a head or part key belongs to. */
const revisionOf = (key: string): number => Number(key.split('.')[1]);

@Injectable()
export class HistoryStore {
  private kv: KV | undefined;

  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  attach(kv: KV): void {
    this.kv = kv;
  }

  /**
   * Written first in a commit, before the revision's resources and snapshot marker, so every
   * published revision has its entry. The head is created, never overwritten: of two writers
   * claiming one revision number, one fails and writes no part. Parts are created too, so a late
   * write of a deposed leader never silently replaces one (and the digest would tell).
   */
  async record(entry: HistoryEntry): Promise<void> {
    const kv = this.bucket();
    const json = encode(entry);
    const parts = Math.max(1, Math.ceil(json.length / HISTORY_PART_BYTES));
    const head: HistoryHead = {
      v: entry.v,
      revision: entry.revision,
      source: entry.source,
      author: entry.author,
      appliedAt: entry.appliedAt,
      changes: entry.changes.slice(0, HISTORY_HEAD_CHANGES),
      counts: {
        created: entry.changes.filter((c) => c.action === 'created').length,
        configured: entry.changes.filter((c) => c.action === 'configured').length,
        deleted: entry.changes.filter((c) => c.action === 'deleted').length,
      },
      parts,
      bytes: json.length,
      digest: digestOf(json),
    };
    await kv.create(headKey(entry.revision), encode(head));
    await writeAll(
      Array.from({ length: parts }, (_, i) => () => {
        const part = json.subarray(i * HISTORY_PART_BYTES, (i + 1) * HISTORY_PART_BYTES);
        return kv.create(partKey(entry.revision, i), part);
      }),
    );
    if (entry.revision > HISTORY_DEPTH) await this.purge(entry.revision - HISTORY_DEPTH);
  }

  /** Removes entries past `revision`: claimed by a commit whose snapshot marker never followed. */
  async discardAfter(revision: number): Promise<void> {
    const kv = this.bucket();
    const orphans: string[] = [];
    for await (const key of await kv.keys('revision.>'))
      if (revisionOf(key) > revision) orphans.push(key);
    await writeAll(orphans.map((key) => () => kv.purge(key)));
    if (orphans.length > 0)
      this.log.warn(
        { revisions: [...new Set(orphans.map(revisionOf))] },
        'discarded history of revisions never published',
      );
  }

  /** The whole entry of `revision`, its parts read back and checked; undefined when there is none. */
  async get(revision: number): Promise<HistoryEntry | undefined> {
    const head = await this.head(revision);
    if (!head) return undefined;
    const kv = this.bucket();
    const where = headKey(revision);
    const parts = await Promise.all(
      Array.from({ length: head.parts }, (_, i) => kv.get(partKey(revision, i))),
    );
    if (parts.some((p) => !p || p.operation !== 'PUT')) {
      reportInvalid(this.log, 'history', where, `a part of its ${head.parts} is missing`);
      return undefined;
    }
    const json = Buffer.concat(parts.map((p) => p!.value));
    if (json.length !== head.bytes || digestOf(json) !== head.digest) {
      reportInvalid(this.log, 'history', where, 'its parts do not match its digest');
      return undefined;
    }
    const entry = decodeMessage(HistoryEntry, json, where);
    if (entry.ok) return entry.value;
    reportInvalid(this.log, 'history', where, formatErrors(entry.errors));
    return undefined;
  }

  /**
   * Newest first, up to `upTo` (the revision the config is at: an entry past it belongs to a
   * commit in progress or one that failed, and is never shown). Reads heads only: each lists at
   * most HISTORY_HEAD_CHANGES changes, whatever the size of its revision.
   */
  async list(upTo: number): Promise<HistorySummary[]> {
    const revisions: number[] = [];
    for await (const key of await this.bucket().keys('revision.*')) {
      const revision = revisionOf(key);
      if (revision <= upTo) revisions.push(revision);
    }
    revisions.sort((a, b) => b - a);
    const heads = await Promise.all(revisions.map((r) => this.head(r)));
    return heads
      .filter((h): h is HistoryHead => h !== undefined)
      .map((h) => ({
        revision: h.revision,
        source: h.source,
        author: h.author,
        appliedAt: new Date(h.appliedAt).toISOString(),
        changes: h.changes,
        counts: h.counts,
      }));
  }

  private async head(revision: number): Promise<HistoryHead | undefined> {
    const key = headKey(revision);
    const raw = await this.bucket().get(key);
    if (!raw || raw.operation !== 'PUT') return undefined;
    const head = decodeMessage(HistoryHead, raw.value, key);
    if (head.ok) return head.value;
    reportInvalid(this.log, 'history', key, formatErrors(head.errors));
    return undefined;
  }

  /** Deletes a revision's head and every part under it. */
  private async purge(revision: number): Promise<void> {
    const kv = this.bucket();
    const keys: string[] = [];
    for await (const key of await kv.keys(`${headKey(revision)}.*`)) keys.push(key);
    await writeAll([...keys, headKey(revision)].map((key) => () => kv.purge(key)));
  }

  private bucket(): KV {
    if (!this.kv) throw new Error('history bucket not open yet (NATS unreachable?)');
    return this.kv;
  }
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
