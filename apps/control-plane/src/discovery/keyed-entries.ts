// Endpoint entries that come from elsewhere than heartbeats (a Service's EndpointSlices, another
// cluster's exports), by endpoints key, replaced whole; JSON compared so only changed keys go dirty.
import type { EndpointEntry } from '@app/protocol';

export class KeyedEntries {
  private byKey = new Map<string, { readonly entries: readonly EndpointEntry[]; json: string }>();

  /** Replaces every list; returns the keys whose list changed (added, altered or gone). */
  replace(next: ReadonlyMap<string, readonly EndpointEntry[]>): string[] {
    const changed: string[] = [];
    const held = new Map<string, { entries: readonly EndpointEntry[]; json: string }>();
    for (const [key, entries] of next) {
      const json = JSON.stringify(entries);
      held.set(key, { entries, json });
      if (this.byKey.get(key)?.json !== json) changed.push(key);
    }
    for (const key of this.byKey.keys()) if (!held.has(key)) changed.push(key);
    this.byKey = held;
    return changed;
  }

  get(key: string): readonly EndpointEntry[] | undefined {
    return this.byKey.get(key)?.entries;
  }
}
