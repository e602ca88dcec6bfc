// The one interface of a proxy's config following, whichever way it follows the bucket, and what a
// follower is built from: the Nest service drives it, the outbound pipeline asks it about hosts the
// table does not know (DestinationDiscovery).
import type { Subjects } from '@app/protocol';
import type { Logger } from 'pino';
import type { DestinationDiscovery } from '../routing/destination-discovery.layer.js';
import type { ConfigFeed } from './config-feed.js';
import { ConfigSync } from './config-sync.js';
import { DestinationSync, type DestinationScope } from './destination-sync.js';
import type { ConfigTarget } from './route-configurator.js';
import type { ConfigEvents } from './snapshot-applier.js';
import type { SnapshotCache } from './snapshot-cache.js';

export interface ConfigFollower extends DestinationDiscovery {
  /** True once some snapshot (from the bucket or the disk cache) runs. */
  readonly hasConfig: boolean;
  /** Serves the disk copy until NATS answers (call before `run`). */
  loadCache(): Promise<void>;
  /** Follows the bucket in the background, from when NATS answers until `stop()`. */
  run(): void;
  /** NATS is back after an outage: what was announced meanwhile is read again. */
  resync(): void;
  stop(): void;
}

/** What a follower is built from. */
export interface ConfigFollowerDeps {
  readonly feed: ConfigFeed;
  /** Where snapshots and endpoint sets go: the engine's route configurator. */
  readonly target: ConfigTarget;
  readonly cache: SnapshotCache;
  readonly events: ConfigEvents;
  readonly log: Logger;
  readonly subjects: Subjects;
}

/** Nest token of the proxy's follower (absent in standalone proxies, which read a folder). */
export const CONFIG_FOLLOWER = Symbol('weft.config-follower');

/**
 * Sidecars and node proxies (`scope`): only the destinations they call and their instances'
 * memberships. Routers (no scope): the whole bucket, since any host may come their way.
 */
export function createConfigFollower(
  deps: ConfigFollowerDeps,
  scope: DestinationScope | undefined,
): ConfigFollower {
  return scope ? new DestinationSync(deps, scope) : new ConfigSync(deps);
}
