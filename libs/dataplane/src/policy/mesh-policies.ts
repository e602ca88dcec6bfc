// The policies a proxy holds (PeerAuthentications, AuthorizationPolicies, …), by kind, as the last
// committed snapshot brought them; one holder swaps them whole, as the route table's does.
import { isPolicyResource, type Resource, type ResourceKind } from '@app/protocol';

/** One snapshot's policy resources: one list per kind, each in key order. */
export class MeshPolicies {
  static readonly EMPTY = new MeshPolicies([]);
  private readonly byKind = new Map<ResourceKind, Resource[]>();

  constructor(resources: Iterable<Resource>) {
    for (const resource of resources) {
      if (!isPolicyResource(resource)) continue;
      const list = this.byKind.get(resource.kind);
      if (list) list.push(resource);
      else this.byKind.set(resource.kind, [resource]);
    }
  }

  /** The resources of one policy kind. */
  ofKind<K extends ResourceKind>(kind: K): readonly Extract<Resource, { kind: K }>[] {
    return (this.byKind.get(kind) ?? []) as Extract<Resource, { kind: K }>[];
  }
}

/** The one mutable reference to the policies in force: swapped at each config commit. */
export class PolicyHolder {
  private policies = MeshPolicies.EMPTY;
  private readonly watchers: ((policies: MeshPolicies) => void)[] = [];

  get current(): MeshPolicies {
    return this.policies;
  }

  swap(next: MeshPolicies): void {
    this.policies = next;
    for (const watcher of this.watchers) watcher(next);
  }

  /** Called after each swap, off the request path (inbound listeners take their mTLS mode). */
  watch(watcher: (policies: MeshPolicies) => void): void {
    this.watchers.push(watcher);
  }
}
