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

/**
 * What one KV entry changed. `invalid` entries were dropped (the previous value stays); an invalid
 * resource also blocks every snapshot until that key is fixed or deleted (`blockingErrors`).
 */
export type StateChange =
  | { readonly kind: 'snapshot'; readonly revision: number }
  | { readonly kind: 'resource' }
  | { readonly kind: 'projection' }
  | { readonly kind: 'endpoints'; readonly key: string; readonly set: EndpointSet | undefined }
  | { readonly kind: 'invalid'; readonly key: string; readonly reason: string };

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

export class MeshState {
  revision = 0;
  readonly resources = new Map<string, Resource>();
  readonly endpointSets = new Map<string, EndpointSet>();
  /** Resource keys whose latest value is invalid, with the reason. */
  private readonly invalidResources = new Map<string, string>();

  apply(change: KvChange): StateChange {
    const deleted = change.operation !== 'PUT';
    if (change.key === SNAPSHOT_KEY) return this.applyMarker(change, deleted);
    // Projections for proxies that follow only their destinations: the same resources again.
    if (isProjectionKey(change.key)) return { kind: 'projection' };
    if (change.key.startsWith(`${ENDPOINTS_KEY_PREFIX}.`))
      return this.applyEndpoints(change, deleted);
    return this.applyResource(change, deleted);
  }

  /** Why the watched resources cannot form a complete config, or undefined when they can. */
  get blockingErrors(): string | undefined {
    if (this.invalidResources.size === 0) return undefined;
    return [...this.invalidResources].map(([key, reason]) => `${key}: ${reason}`).join('; ');
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

  private applyMarker(change: KvChange, deleted: boolean): StateChange {
    if (deleted) return { kind: 'invalid', key: change.key, reason: 'snapshot marker deleted' };
    const marker = decodeMessage(SnapshotMarker, change.value, change.key);
    if (!marker.ok)
      return { kind: 'invalid', key: change.key, reason: formatErrors(marker.errors) };
    this.revision = marker.value.revision;
    return { kind: 'snapshot', revision: this.revision };
  }

  private applyEndpoints(change: KvChange, deleted: boolean): StateChange {
    const [, namespace, service] = change.key.split('.');
    const key = serviceKey(namespace, service);
    if (deleted) {
      this.endpointSets.delete(key);
      return { kind: 'endpoints', key, set: undefined };
    }
    const set = decodeMessage(EndpointSet, change.value, change.key);
    if (!set.ok) return { kind: 'invalid', key: change.key, reason: formatErrors(set.errors) };
    this.endpointSets.set(key, set.value);
    return { kind: 'endpoints', key, set: set.value };
  }

  private applyResource(change: KvChange, deleted: boolean): StateChange {
    if (deleted) {
      this.resources.delete(change.key);
      this.invalidResources.delete(change.key);
      return { kind: 'resource' };
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
    return { kind: 'resource' };
  }
}
