// The announcement subjects a follower listens on: one subscription per followed key, dropped with it.
import type { Subjects } from '@app/protocol';
import type { ConfigLink } from './config-feed.js';

export class AnnouncementSubscriptions {
  /** KV key → its subscription. */
  private readonly byKey = new Map<string, { unsubscribe(): void }>();

  constructor(
    private readonly link: ConfigLink,
    private readonly subjects: Subjects,
    private readonly deliver: (subject: string, data: Uint8Array) => void,
  ) {}

  /** Listens to the announcements of `key` (once). */
  add(key: string): void {
    if (this.byKey.has(key)) return;
    this.byKey.set(key, this.link.subscribe(this.subjects.configAnnouncement(key), this.deliver));
  }

  remove(key: string): void {
    this.byKey.get(key)?.unsubscribe();
    this.byKey.delete(key);
  }

  close(): void {
    for (const sub of this.byKey.values()) sub.unsubscribe();
    this.byKey.clear();
  }
}
