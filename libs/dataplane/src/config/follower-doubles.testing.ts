// Test doubles around a config follower: the dependencies it is built from, recording what it
// applied and what it told, over a MemoryConfigFeed; and `settle`, which lets its reads run.
import { pino } from 'pino';
import type { Subjects } from '@app/protocol';
import type { ConfigFollowerDeps } from './config-follower.js';
import { MemoryConfigFeed } from './memory-config-feed.testing.js';
import type { MeshSnapshotData, MeshState } from './mesh-state.js';
import type { ApplyOutcome } from './route-configurator.js';
import type { SnapshotCache } from './snapshot-cache.js';

export class RecordedFollowing {
  readonly feed: MemoryConfigFeed;
  /** ACK/NACK and invalid values, in order: `ACK 5`, `NACK 6 why`, `invalid key`. */
  readonly said: string[] = [];
  /** Every snapshot the route configurator was given. */
  readonly snapshots: MeshState[] = [];
  /** Every endpoint set applied in place: `namespace/service instance,…` (`-`: deleted). */
  readonly inPlace: string[] = [];
  /** Services whose clusters were released, in order. */
  readonly released: string[] = [];
  /** Evictions told: `max 3` (reason, hosts). */
  readonly evictions: string[] = [];
  /** How the route configurator answers a snapshot. */
  outcome: (state: MeshState) => ApplyOutcome = () => ({ ok: true });
  /** What the disk cache holds. */
  cached: MeshSnapshotData | undefined;

  constructor(private readonly subjects: Subjects) {
    this.feed = new MemoryConfigFeed(subjects);
  }

  get deps(): ConfigFollowerDeps {
    const cache = {
      file: 'mem',
      load: () => Promise.resolve(this.cached),
      save: () => Promise.resolve(),
    } as unknown as SnapshotCache;
    return {
      feed: this.feed,
      target: {
        applySnapshot: (state) => (this.snapshots.push(state), this.outcome(state)),
        applyEndpoints: (key, set) => {
          const instances = set?.endpoints.map((e) => e.instanceId).join(',') ?? '-';
          this.inPlace.push(`${key} ${instances}`);
          return false;
        },
        release: (keys) => this.released.push(...keys),
      },
      cache,
      events: {
        applied: (r) => this.said.push(`ACK ${r}`),
        rejected: (r, e) => this.said.push(`NACK ${r} ${e}`),
        invalid: (key) => this.said.push(`invalid ${key}`),
        evicted: (reason, hosts) => this.evictions.push(`${reason} ${hosts}`),
      },
      log: pino({ level: 'silent' }),
      subjects: this.subjects,
    };
  }

  /** The last snapshot applied: its revision, resource keys and endpoint sets. */
  get last(): { revision: number; resources: string[]; sets: string[] } {
    const state = this.snapshots.at(-1)!;
    return {
      revision: state.revision,
      resources: [...state.resources.keys()].sort(),
      sets: [...state.endpointSets.keys()].sort(),
    };
  }
}

/** Lets a follower's reads and follow-ups run (the memory bucket answers at once). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
