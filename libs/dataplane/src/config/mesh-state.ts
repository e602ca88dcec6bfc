// What a proxy has watched so far: resources, endpoint sets and the last snapshot revision.
import {
  ConfigEntry,
  decodeMessage,
  ENDPOINTS_KEY_PREFIX,
  EndpointSet,
  formatErrors,
  isProjectionKey,
  parseInto,
  parseResource,
  serviceKey,
  SNAPSHOT_KEY,
  SnapshotMarker,
  type Resource,
} from '@app/protocol';
import type { ConfigChange } from './config-change.js';

export interface KvChange {
  readonly key: string;
  readonly operation: 'PUT' | 'DEL' | 'PURGE';
  readonly value: Uint8Array;
}

/** Plain-data form kept on disk for cold starts. */
export interface MeshSnapshotData {
  readonly revision: number;
  readonly resources: Record<string, Resource>;
  readonly endpointSets: Record<string, EndpointSet>;
  /** A proxy following only its destinations: the Services it called, to follow again at start. */
  readonly destinations?: readonly string[];
}

/** What a config follower holds, as the applier reads it to build and cache a snapshot. */
export interface HeldConfig {
  /** The snapshot revision held complete. */
  readonly revision: number;
  /** Why what is held cannot form a config, or undefined when it can. */
  readonly blockingErrors: string | undefined;
  /** Every resource and endpoint set held, as the route configurator takes a snapshot. */
  toMeshState(): MeshState;
  /** What to keep on disk. */
  toData(): MeshSnapshotData;
}

/**
 * A whole-bucket follower's state. An `invalid` entry is dropped (the previous value stays); an
 * invalid resource also blocks every snapshot until that key is fixed or deleted (`blockingErrors`).
 */
export class MeshState implements HeldConfig {
  revision = 0;
  readonly resources = new Map<string, Resource>();
  readonly endpointSets = new Map<string, EndpointSet>();
  /** Resource keys whose latest value is invalid, with the reason. */
  private readonly invalidResources = new Map<string, string>();

  apply(change: KvChange): ConfigChange {
    const deleted = change.operation !== 'PUT';
    if (change.key === SNAPSHOT_KEY) return this.applyMarker(change, deleted);
    // Projections for proxies that follow only their destinations: the same resources again.
    if (isProjectionKey(change.key)) return { kind: 'none' };
    if (change.key.startsWith(`${ENDPOINTS_KEY_PREFIX}.`))
      return this.applyEndpoints(change, deleted);
    return this.applyResource(change, deleted);
  }

  /** Why the watched resources cannot form a complete config, or undefined when they can. */
  get blockingErrors(): string | undefined {
    if (this.invalidResources.size === 0) return undefined;
    return [...this.invalidResources].map(([key, reason]) => `${key}: ${reason}`).join('; ');
  }

  toMeshState(): MeshState {
    return this;
  }

  toData(): MeshSnapshotData {
    return {
      revision: this.revision,
      resources: Object.fromEntries(this.resources),
      endpointSets: Object.fromEntries(this.endpointSets),
    };
  }

  /** Rebuilds state from a disk snapshot, validating it again: a file is input like any other. */
  static fromData(data: MeshSnapshotData): MeshState {
    const state = new MeshState();
    state.revision = data.revision;
    for (const [key, raw] of Object.entries(data.resources)) {
      const resource = parseResource(raw);
      if (resource.ok) state.resources.set(key, resource.value);
      else state.invalidResources.set(key, formatErrors(resource.errors));
    }
    for (const [key, raw] of Object.entries(data.endpointSets)) {
      const set = parseInto(EndpointSet, raw, key);
      if (set.ok) state.endpointSets.set(key, set.value);
    }
    return state;
  }

  private applyMarker(change: KvChange, deleted: boolean): ConfigChange {
    if (deleted) return { kind: 'invalid', key: change.key, reason: 'snapshot marker deleted' };
    const marker = decodeMessage(SnapshotMarker, change.value, change.key);
    if (!marker.ok)
      return { kind: 'invalid', key: change.key, reason: formatErrors(marker.errors) };
    this.revision = marker.value.revision;
    return { kind: 'snapshot', revision: this.revision };
  }

  private applyEndpoints(change: KvChange, deleted: boolean): ConfigChange {
    const [, namespace, name] = change.key.split('.');
    const service = serviceKey(namespace, name);
    if (deleted) {
      this.endpointSets.delete(service);
      return { kind: 'endpoints', service, set: undefined };
    }
    const set = decodeMessage(EndpointSet, change.value, change.key);
    if (!set.ok) return { kind: 'invalid', key: change.key, reason: formatErrors(set.errors) };
    this.endpointSets.set(service, set.value);
    return { kind: 'endpoints', service, set: set.value };
  }

  private applyResource(change: KvChange, deleted: boolean): ConfigChange {
    if (deleted) {
      this.resources.delete(change.key);
      this.invalidResources.delete(change.key);
      return { kind: 'resources' };
    }
    const entry = decodeMessage(ConfigEntry, change.value, change.key);
    const resource = entry.ok ? parseResource(entry.value.resource) : entry;
    if (!resource.ok) {
      const reason = formatErrors(resource.errors);
      this.invalidResources.set(change.key, reason);
      return { kind: 'invalid', key: change.key, reason };
    }
    this.resources.set(change.key, resource.value);
    this.invalidResources.delete(change.key);
    return { kind: 'resources' };
  }
}
