// Which Services' endpoint sets hold each instance, kept as the sets change: the `member.<ns>.<id>`
// keys a proxy reads to learn the Services it answers for (its bus subjects) without following all.
import {
  memberKey,
  PROTOCOL_VERSION,
  type InstanceMembership,
  type InstanceOwner,
} from '@app/protocol';

export class MembershipIndex {
  /** Member key → `namespace/service` of every set listing the instance. */
  private readonly byKey = new Map<string, Set<string>>();
  /** Member key → the instance's namespace and id. */
  private readonly owners = new Map<string, Pick<InstanceOwner, 'namespace' | 'instanceId'>>();
  private readonly changed = new Set<string>();

  /** The set of `service` (`namespace/service`) went from `before` to `after`. */
  update(
    service: string,
    before: readonly InstanceOwner[] | undefined,
    after: readonly InstanceOwner[],
  ): void {
    const now = new Set(after.map((e) => memberKey(e.namespace, e.instanceId)));
    for (const e of before ?? []) {
      const key = memberKey(e.namespace, e.instanceId);
      if (!now.has(key) && this.byKey.get(key)?.delete(service)) this.changed.add(key);
    }
    for (const e of after) {
      const key = memberKey(e.namespace, e.instanceId);
      let services = this.byKey.get(key);
      if (!services) {
        services = new Set();
        this.byKey.set(key, services);
        this.owners.set(key, { namespace: e.namespace, instanceId: e.instanceId });
      }
      if (!services.has(service)) {
        services.add(service);
        this.changed.add(key);
      }
    }
  }

  /** The memberships changed since the last call: key → its JSON, undefined once it has none. */
  take(): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    for (const key of this.changed) out.set(key, this.json(key));
    this.changed.clear();
    return out;
  }

  /** Every membership now, key → JSON. */
  all(): Map<string, string> {
    const out = new Map<string, string>();
    for (const key of this.byKey.keys()) {
      const json = this.json(key);
      if (json !== undefined) out.set(key, json);
    }
    return out;
  }

  private json(key: string): string | undefined {
    const services = this.byKey.get(key);
    if (!services || services.size === 0) {
      this.byKey.delete(key);
      this.owners.delete(key);
      return undefined;
    }
    const value: InstanceMembership = {
      v: PROTOCOL_VERSION,
      ...this.owners.get(key)!,
      services: [...services].sort(),
    };
    return JSON.stringify(value);
  }
}
