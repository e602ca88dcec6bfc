// What a proxy has watched so far: resources, endpoint sets and the last snapshot revision.
import {
  ConfigEntry,
  decodeMessage,
  EndpointSet,
  ENDPOINTS_KEY_PREFIX,
  formatErrors,
  parseResource,
  SNAPSHOT_KEY,
  SnapshotMarker,
  type Resource,
} from '@app/protocol';
import { clusterKey } from '../upstream/cluster-registry.js';

/** What one KV entry changed. `invalid` entries were dropped (the previous value stays). */
export type StateChange =
  | { readonly kind: 'snapshot'; readonly revision: number }
  | { readonly kind: 'resource' }
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
}

export class MeshState {
  revision = 0;
  readonly resources = new Map<string, Resource>();
  readonly endpointSets = new Map<string, EndpointSet>();

  apply(change: KvChange): StateChange {
    const deleted = change.operation !== 'PUT';
    if (change.key === SNAPSHOT_KEY) return this.applyMarker(change, deleted);
    if (change.key.startsWith(`${ENDPOINTS_KEY_PREFIX}.`))
      return this.applyEndpoints(change, deleted);
    return this.applyResource(change, deleted);
  }

  toData(): MeshSnapshotData {
    return {
      revision: this.revision,
      resources: Object.fromEntries(this.resources),
      endpointSets: Object.fromEntries(this.endpointSets),
    };
  }

  static fromData(data: MeshSnapshotData): MeshState {
    const state = new MeshState();
    state.revision = data.revision;
    for (const [k, v] of Object.entries(data.resources)) state.resources.set(k, v);
    for (const [k, v] of Object.entries(data.endpointSets)) state.endpointSets.set(k, v);
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
    const key = clusterKey(namespace, service);
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
      return { kind: 'resource' };
    }
    const entry = decodeMessage(ConfigEntry, change.value, change.key);
    if (!entry.ok) return { kind: 'invalid', key: change.key, reason: formatErrors(entry.errors) };
    const resource = parseResource(entry.value.resource);
    if (!resource.ok)
      return { kind: 'invalid', key: change.key, reason: formatErrors(resource.errors) };
    this.resources.set(change.key, resource.value);
    return { kind: 'resource' };
  }
}
