// Endpoint sets kept incrementally: instances indexed by label, Services by a selector label, so a
// change re-evaluates only the sets it can affect.
import {
  effectiveMtlsMode,
  endpointsKey,
  type EndpointEntry,
  type EndpointSet,
  type InstanceOwner,
  type PeerAuthentication,
  type Service,
} from '@app/protocol';
import { KeyedEntries } from './keyed-entries.js';

type Selector = Readonly<Record<string, string>>;

interface Member {
  readonly instance: InstanceOwner;
  readonly ready: boolean;
}

/** A Service resource: no selector selects nothing (as in Kubernetes), `{}` all of its namespace. */
interface ServiceSelection {
  readonly namespace: string;
  readonly selector: Selector | undefined;
  /** Canonical JSON of the selector: a Service is re-evaluated only when it changes. */
  readonly json: string;
}

/**
 * Which ready instances each Service selects, by KV key. A Service resource selects by its selector;
 * a registered service name with no Service resource selects `app=<name>`. Every key ever computed
 * (or `remember`ed from KV) stays present, empty once its instances leave, so callers get 503, not
 * 404. Changes only mark keys dirty; `take` computes those sets, each from one label's instances.
 */
export class EndpointIndex {
  private readonly members = new Map<string, Member>();
  /** `labelKey` → keys of the instances carrying that label (and every instance of a namespace). */
  private readonly byLabel = new Map<string, Set<string>>();
  /** Endpoints key → how many instances registered under that service name. */
  private readonly registered = new Map<string, number>();
  private readonly services = new Map<string, ServiceSelection>();
  /** `labelKey` of a selector's first pair → the Services indexed under it. */
  private readonly servicesByLabel = new Map<string, Set<string>>();
  private readonly known = new Set<string>();
  private readonly dirty = new Set<string>();
  /** The PeerAuthentications in force (JSON compared): a DISABLE marks endpoints plaintext. */
  private peerAuthentications: readonly PeerAuthentication[] = [];
  private peerAuthenticationsJson = '[]';
  /** The Services' unmeshed pods (their cluster EndpointSlices). */
  private readonly unmeshed = new KeyedEntries();
  /** Other clusters' instances, through their east-west gateways. */
  private readonly remote = new KeyedEntries();

  /** True when some set may have changed since the last `take`. */
  get pending(): boolean {
    return this.dirty.size > 0;
  }

  /** Keys published before (by this or a former leader): they stay present, empty if need be. */
  remember(keys: Iterable<string>): void {
    for (const key of keys) {
      if (this.known.has(key)) continue;
      this.known.add(key);
      this.dirty.add(key);
    }
  }

  /** The Service resources now: only those added, removed or with another selector go dirty. */
  setServices(services: readonly Service[]): void {
    const seen = new Set<string>();
    for (const svc of services) {
      const { namespace, name } = svc.metadata;
      const key = endpointsKey(namespace, name);
      seen.add(key);
      const selector = svc.spec.selector;
      const json = selector ? JSON.stringify(Object.entries(selector).sort()) : '';
      if (this.services.get(key)?.json === json) continue;
      this.dropService(key);
      this.services.set(key, { namespace, selector, json });
      if (selector) addTo(this.servicesByLabel, selectorLabel(namespace, selector), key);
      this.dirty.add(key);
    }
    for (const key of this.services.keys()) {
      if (seen.has(key)) continue;
      this.dropService(key);
      this.dirty.add(key);
    }
  }

  /**
   * The PeerAuthentications now: when they change, every set is recomputed (they are few and
   * rarely change; which instances a selector picks is decided per instance in `take`).
   */
  setPeerAuthentications(policies: readonly PeerAuthentication[]): void {
    const json = JSON.stringify(policies);
    if (json === this.peerAuthenticationsJson) return;
    this.peerAuthentications = policies;
    this.peerAuthenticationsJson = json;
    for (const key of [...this.services.keys(), ...this.known]) this.dirty.add(key);
  }

  /**
   * The endpoints of cluster Services' pods (their EndpointSlices), by endpoints key, replacing the
   * previous ones: only keys whose list changed go dirty. A Service's set holds those of its pods
   * that no registered instance of the namespace has the address of (a meshed pod's own proxy
   * registers it, with mTLS).
   */
  setUnmeshed(byKey: ReadonlyMap<string, readonly EndpointEntry[]>): void {
    for (const key of this.unmeshed.replace(byKey)) this.dirty.add(key);
  }

  /**
   * Other clusters' instances reached through their east-west gateways, by endpoints key, replacing
   * the previous ones: they join their Services' sets (which exist from then on, as remembered ones).
   */
  setRemote(byKey: ReadonlyMap<string, readonly EndpointEntry[]>): void {
    this.remember(byKey.keys());
    for (const key of this.remote.replace(byKey)) this.dirty.add(key);
  }

  /** An instance registered, changed or left (`undefined`). */
  setInstance(id: string, instance: InstanceOwner | undefined, ready = false): void {
    const before = this.members.get(id);
    if (before) {
      this.touch(before.instance);
      this.unindex(id, before.instance);
      this.members.delete(id);
    }
    if (!instance) return;
    this.members.set(id, { instance, ready });
    this.index(id, instance);
    this.touch(instance);
  }

  /** The sets of every key marked since the last call, freshly computed. */
  take(now: number): Map<string, EndpointSet> {
    const sets = new Map<string, EndpointSet>();
    for (const key of this.dirty) {
      const [, namespace, service] = key.split('.');
      const endpoints = this.select(key, namespace, service);
      if (!endpoints) continue;
      endpoints.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
      this.known.add(key);
      const entries = [
        ...endpoints.map((e) => this.entryOf(e)),
        ...this.unmeshedOf(key, namespace),
        ...(this.remote.get(key) ?? []),
      ];
      sets.set(key, { v: 1, namespace, service, endpoints: entries, updatedAt: now });
    }
    this.dirty.clear();
    return sets;
  }

  /** How callers reach an instance: plaintext only when its PeerAuthentication says DISABLE. */
  private entryOf(instance: InstanceOwner): EndpointEntry {
    const plaintext = effectiveMtlsMode(this.peerAuthentications, instance) === 'DISABLE';
    return plaintext ? { ...instance, plaintext } : instance;
  }

  /** The Service's unmeshed pods, but those whose address a registered instance of the namespace has. */
  private unmeshedOf(key: string, namespace: string): readonly EndpointEntry[] {
    const entries = this.unmeshed.get(key);
    if (!entries?.length || !this.services.has(key)) return [];
    const meshed = new Set<string>();
    for (const id of this.byLabel.get(labelKey(namespace)) ?? [])
      meshed.add(this.members.get(id)!.instance.address);
    return entries.filter((e) => !meshed.has(e.address));
  }

  private select(key: string, namespace: string, service: string): InstanceOwner[] | undefined {
    const svc = this.services.get(key);
    if (svc) {
      const { selector } = svc;
      if (!selector) return [];
      return this.readyWith(selectorLabel(namespace, selector), (labels) =>
        selects(selector, labels),
      );
    }
    if (this.registered.has(key))
      return this.readyWith(labelKey(namespace, 'app', service), () => true);
    return this.known.has(key) ? [] : undefined;
  }

  private readyWith(
    label: string,
    matches: (labels: Readonly<Record<string, string>>) => boolean,
  ): InstanceOwner[] {
    const out: InstanceOwner[] = [];
    for (const id of this.byLabel.get(label) ?? []) {
      const m = this.members.get(id)!;
      if (m.ready && matches(m.instance.labels)) out.push(m.instance);
    }
    return out;
  }

  /** Marks every set `instance` belongs to, or would if it were ready. */
  private touch(instance: InstanceOwner): void {
    const { namespace, service, labels } = instance;
    this.dirty.add(endpointsKey(namespace, service));
    if (labels.app !== undefined) this.dirty.add(endpointsKey(namespace, labels.app));
    const mark = (label: string): void => {
      for (const key of this.servicesByLabel.get(label) ?? []) {
        const selector = this.services.get(key)!.selector!;
        if (selects(selector, labels)) this.dirty.add(key);
      }
    };
    mark(labelKey(namespace));
    for (const k in labels) mark(labelKey(namespace, k, labels[k]));
  }

  private index(id: string, { namespace, service, labels }: InstanceOwner): void {
    const name = endpointsKey(namespace, service);
    this.registered.set(name, (this.registered.get(name) ?? 0) + 1);
    addTo(this.byLabel, labelKey(namespace), id);
    for (const k in labels) addTo(this.byLabel, labelKey(namespace, k, labels[k]), id);
  }

  private unindex(id: string, { namespace, service, labels }: InstanceOwner): void {
    const name = endpointsKey(namespace, service);
    const count = (this.registered.get(name) ?? 1) - 1;
    if (count > 0) this.registered.set(name, count);
    else this.registered.delete(name);
    removeFrom(this.byLabel, labelKey(namespace), id);
    for (const k in labels) removeFrom(this.byLabel, labelKey(namespace, k, labels[k]), id);
  }

  private dropService(key: string): void {
    const svc = this.services.get(key);
    if (!svc) return;
    if (svc.selector)
      removeFrom(this.servicesByLabel, selectorLabel(svc.namespace, svc.selector), key);
    this.services.delete(key);
  }
}

/** A label of a namespace; without one, the namespace itself (every instance in it). */
function labelKey(namespace: string, name?: string, value?: string): string {
  return name === undefined ? namespace : `${namespace}\u0000${name}\u0000${value}`;
}

/** The one label a selector is indexed under: its first pair, or the namespace for `{}`. */
function selectorLabel(namespace: string, selector: Selector): string {
  for (const k in selector) return labelKey(namespace, k, selector[k]);
  return labelKey(namespace);
}

function selects(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

function addTo(index: Map<string, Set<string>>, label: string, id: string): void {
  const set = index.get(label);
  if (set) set.add(id);
  else index.set(label, new Set([id]));
}

function removeFrom(index: Map<string, Set<string>>, label: string, id: string): void {
  const set = index.get(label);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(label);
}
