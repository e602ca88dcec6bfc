// What a proxy that follows only its destinations holds: per followed Service its bundle and endpoint
// set, per followed namespace its policy bundle, the aliases and memberships it read, and the last
// snapshot revision; each at its KV revision.
import {
  parseServiceKey,
  serviceKey,
  ALIAS_KEY_PREFIX,
  decodeJson,
  DESTINATION_KEY_PREFIX,
  destinationKey,
  DestinationBundle,
  EndpointSet,
  ENDPOINTS_KEY_PREFIX,
  endpointsKey,
  formatErrors,
  InstanceMembership,
  MEMBER_KEY_PREFIX,
  isPolicyResource,
  parseInto,
  POLICIES_KEY_PREFIX,
  PolicyBundle,
  policiesKey,
  parseResource,
  ServiceAlias,
  SNAPSHOT_KEY,
  SnapshotMarker,
  type HTTPRoute,
  type KeyRevision,
  type Resource,
  type Result,
  fail,
  ok,
} from '@app/protocol';
import type { ConfigChange } from './config-change.js';
import { MeshState, type HeldConfig, type MeshSnapshotData } from './mesh-state.js';

/** One value of a followed key, as a KV read or an announcement delivers it. */
export interface KeyValue {
  readonly key: string;
  /**
   * KV revision: of the value, of the delete (a delete announced says one past the value it
   * removed), or 0 for a key never written. A value older than the one held is not taken: reads
   * and announcements of one key can arrive in either order.
   */
  readonly seq: number;
  /** The decoded JSON value; undefined: the key holds nothing (deleted, or never written). */
  readonly value: unknown;
}

interface FollowedPolicies {
  seq: number;
  /** Resource key → policy resource. */
  resources: ReadonlyMap<string, Resource>;
  /** Why the bundle's latest value could not be used (it blocks every compile until fixed). */
  invalid: string | undefined;
}

interface Followed {
  bundleSeq: number;
  /** Resource key → resource, from the bundle; empty when the Service has none. */
  resources: ReadonlyMap<string, Resource>;
  /** Why the bundle's latest value could not be used (it blocks every compile until fixed). */
  invalid: string | undefined;
  endpointsSeq: number;
  set: EndpointSet | undefined;
}

export class FollowedDestinations implements HeldConfig {
  /** The revision applied; a marker taken is the caller's to apply once what it wrote is read. */
  revision = 0;
  /** `namespace/service` (a cluster key) → what is known of it. */
  private readonly services = new Map<string, Followed>();
  /** Followed host → the Service it names (`namespace/service`), undefined when it names none. */
  private readonly aliases = new Map<string, { seq: number; service: string | undefined }>();
  private readonly memberSeqs = new Map<string, number>();
  /** Membership key → the Services it lists (the instances' own: never dropped). */
  private readonly memberServices = new Map<string, readonly string[]>();
  /** Namespace → its policy bundle's resources (what this proxy's workloads enforce). */
  private readonly policies = new Map<string, FollowedPolicies>();

  /** Starts following a namespace's policies (`policies.<ns>`): true when it was not yet. */
  followPolicies(namespace: string): boolean {
    if (this.policies.has(namespace)) return false;
    this.policies.set(namespace, { seq: -1, resources: new Map(), invalid: undefined });
    return true;
  }

  /** The keys of the followed policy bundles. */
  policyKeys(): string[] {
    return [...this.policies.keys()].map((ns) => policiesKey(ns));
  }

  /** Starts following a Service: true when it was not followed yet. */
  follow(service: string): boolean {
    if (this.services.has(service)) return false;
    this.services.set(service, {
      bundleSeq: -1,
      resources: new Map(),
      invalid: undefined,
      endpointsSeq: -1,
      set: undefined,
    });
    return true;
  }

  /** Stops following a Service: what was held of it is forgotten. */
  unfollow(service: string): void {
    this.services.delete(service);
  }

  /** Starts following an alias host (`alias.<host>`): true when it was not yet. */
  followAlias(host: string): boolean {
    if (this.aliases.has(host)) return false;
    this.aliases.set(host, { seq: -1, service: undefined });
    return true;
  }

  /** Stops following an alias host. */
  forgetAlias(host: string): void {
    this.aliases.delete(host);
  }

  /** The Service an alias host names, when it is held and names one. */
  aliasTarget(host: string): string | undefined {
    return this.aliases.get(host)?.service;
  }

  /** The Services the memberships of this proxy's instances list. */
  memberedServices(): string[] {
    return [...this.memberServices.values()].flat();
  }

  /** Whether the Service has a bundle or an endpoint set (it exists, as far as callers go). */
  holdsAnything(service: string): boolean {
    const followed = this.services.get(service);
    return followed !== undefined && (followed.resources.size > 0 || followed.set !== undefined);
  }

  hasAlias(host: string): boolean {
    return this.aliases.has(host);
  }

  aliasHosts(): string[] {
    return [...this.aliases.keys()];
  }

  followedServices(): string[] {
    return [...this.services.keys()];
  }

  /** The KV keys that hold what is followed: each Service's bundle and endpoint set. */
  keysOf(service: string): string[] {
    const ref = parseServiceKey(service);
    return ref
      ? [destinationKey(ref.namespace, ref.name), endpointsKey(ref.namespace, ref.name)]
      : [];
  }

  /**
   * Takes a value of a followed key unless it is older than what is held (an announcement and a
   * read can cross); values of keys nobody follows are ignored.
   */
  take({ key, seq, value }: KeyValue): ConfigChange {
    const [prefix] = key.split('.', 1);
    if (key === SNAPSHOT_KEY) return this.takeMarker(value);
    if (prefix === ALIAS_KEY_PREFIX) return this.takeAlias(key, seq, value);
    if (prefix === MEMBER_KEY_PREFIX) return this.takeMember(key, seq, value);
    if (prefix === POLICIES_KEY_PREFIX) return this.takePolicies(key, seq, value);
    const [, namespace, name] = key.split('.');
    const service = serviceKey(namespace, name);
    const followed = this.services.get(service);
    if (!followed) return { kind: 'none' };
    if (prefix === DESTINATION_KEY_PREFIX)
      return this.takeBundle(followed, service, key, seq, value);
    if (prefix === ENDPOINTS_KEY_PREFIX)
      return this.takeEndpoints(followed, service, key, seq, value);
    return { kind: 'none' };
  }

  /** The followed projections the marker says changed and of which an older value is held. */
  behind(written: readonly KeyRevision[]): string[] {
    return written
      .filter(({ key, seq }) => {
        const [prefix, namespace, name] = key.split('.');
        if (prefix === ALIAS_KEY_PREFIX) {
          const held = this.aliases.get(key.slice(prefix.length + 1));
          return held !== undefined && held.seq < seq;
        }
        if (prefix === POLICIES_KEY_PREFIX) {
          const held = this.policies.get(namespace);
          return held !== undefined && held.seq < seq;
        }
        const followed = this.services.get(serviceKey(namespace, name));
        if (prefix !== DESTINATION_KEY_PREFIX || !followed) return false;
        return followed.bundleSeq < seq;
      })
      .map(({ key }) => key);
  }

  /** Services the routes of `services` send to (backends and mirrors). */
  backendsOf(services: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const service of services) {
      for (const resource of this.services.get(service)?.resources.values() ?? []) {
        if (resource.kind !== 'HTTPRoute') continue;
        for (const backend of routeBackends(resource)) out.add(backend);
      }
    }
    return [...out];
  }

  /** Why the followed bundles cannot form a config, or undefined when they can. */
  get blockingErrors(): string | undefined {
    const errors = [...this.services.values(), ...this.policies.values()].flatMap((f) =>
      f.invalid ? [f.invalid] : [],
    );
    return errors.length > 0 ? errors.join('; ') : undefined;
  }

  /** What is kept on disk: the state, and the Services followed (followed again at start). */
  toData(): MeshSnapshotData {
    return { ...this.toMeshState().toData(), destinations: this.followedServices() };
  }

  /** The followed state as the route configurator takes a snapshot: every resource and set once. */
  toMeshState(): MeshState {
    const state = new MeshState();
    state.revision = this.revision;
    for (const [service, followed] of this.services) {
      for (const [key, resource] of followed.resources) state.resources.set(key, resource);
      if (followed.set) state.endpointSets.set(service, followed.set);
    }
    for (const followed of this.policies.values())
      for (const [key, resource] of followed.resources) state.resources.set(key, resource);
    return state;
  }

  private takeBundle(
    followed: Followed,
    service: string,
    key: string,
    seq: number,
    value: unknown,
  ): ConfigChange {
    if (seq < followed.bundleSeq) return { kind: 'none' };
    followed.bundleSeq = seq;
    if (value === undefined) {
      followed.resources = new Map();
      followed.invalid = undefined;
      return { kind: 'resources', service };
    }
    const bundle = parseBundle(key, value);
    if (!bundle.ok) {
      followed.invalid = `${key}: ${formatErrors(bundle.errors)}`;
      return { kind: 'invalid', key, reason: formatErrors(bundle.errors) };
    }
    followed.resources = bundle.value;
    followed.invalid = undefined;
    return { kind: 'resources', service };
  }

  private takePolicies(key: string, seq: number, value: unknown): ConfigChange {
    const followed = this.policies.get(key.slice(POLICIES_KEY_PREFIX.length + 1));
    if (!followed || seq < followed.seq) return { kind: 'none' };
    followed.seq = seq;
    const bundle =
      value === undefined ? ok(new Map<string, Resource>()) : parsePolicies(key, value);
    if (!bundle.ok) {
      followed.invalid = `${key}: ${formatErrors(bundle.errors)}`;
      return { kind: 'invalid', key, reason: formatErrors(bundle.errors) };
    }
    followed.resources = bundle.value;
    followed.invalid = undefined;
    return { kind: 'resources' };
  }

  private takeEndpoints(
    followed: Followed,
    service: string,
    key: string,
    seq: number,
    value: unknown,
  ): ConfigChange {
    if (seq < followed.endpointsSeq) return { kind: 'none' };
    followed.endpointsSeq = seq;
    if (value === undefined) {
      followed.set = undefined;
      return { kind: 'endpoints', service, set: undefined };
    }
    const set = parseInto(EndpointSet, value, key);
    if (!set.ok) return { kind: 'invalid', key, reason: formatErrors(set.errors) };
    followed.set = set.value;
    return { kind: 'endpoints', service, set: set.value };
  }

  private takeAlias(key: string, seq: number, value: unknown): ConfigChange {
    const host = key.slice(ALIAS_KEY_PREFIX.length + 1);
    const held = this.aliases.get(host);
    // A host no longer followed (dropped while its read was in flight) is not taken back.
    if (!held || seq < held.seq) return { kind: 'none' };
    if (value === undefined) {
      this.aliases.set(host, { seq, service: undefined });
      return { kind: 'alias', host, service: undefined };
    }
    const alias = parseInto(ServiceAlias, value, key);
    if (!alias.ok) return { kind: 'invalid', key, reason: formatErrors(alias.errors) };
    const service = serviceKey(alias.value.namespace, alias.value.service);
    this.aliases.set(host, { seq, service });
    return { kind: 'alias', host, service };
  }

  private takeMember(key: string, seq: number, value: unknown): ConfigChange {
    const held = this.memberSeqs.get(key);
    if (held !== undefined && seq < held) return { kind: 'none' };
    this.memberSeqs.set(key, seq);
    if (value === undefined) {
      this.memberServices.delete(key);
      return { kind: 'member', services: [] };
    }
    const member = parseInto(InstanceMembership, value, key);
    if (!member.ok) return { kind: 'invalid', key, reason: formatErrors(member.errors) };
    this.memberServices.set(key, member.value.services);
    return { kind: 'member', services: member.value.services };
  }

  private takeMarker(value: unknown): ConfigChange {
    if (value === undefined)
      return { kind: 'invalid', key: SNAPSHOT_KEY, reason: 'snapshot marker deleted' };
    const marker = parseInto(SnapshotMarker, value, SNAPSHOT_KEY);
    if (!marker.ok)
      return { kind: 'invalid', key: SNAPSHOT_KEY, reason: formatErrors(marker.errors) };
    const { revision, projections } = marker.value;
    return { kind: 'snapshot', revision, projections };
  }
}

/** A KV value's bytes as the JSON a `KeyValue` carries (a key with no value: undefined). */
export function valueOf(key: string, bytes: Uint8Array | undefined): Result<unknown> {
  if (bytes === undefined || bytes.length === 0) return { ok: true, value: undefined };
  return decodeJson(bytes, key);
}

function parseBundle(key: string, value: unknown): Result<Map<string, Resource>> {
  const bundle = parseInto(DestinationBundle, value, key);
  if (!bundle.ok) return bundle;
  const resources = new Map<string, Resource>();
  for (const entry of bundle.value.resources) {
    const resource = parseResource(entry.resource);
    if (!resource.ok) return resource;
    resources.set(entry.key, resource.value);
  }
  return { ok: true, value: resources };
}

/** A policy bundle's resources, each of a policy kind and of the bundle's namespace. */
function parsePolicies(key: string, value: unknown): Result<Map<string, Resource>> {
  const bundle = parseInto(PolicyBundle, value, key);
  if (!bundle.ok) return bundle;
  const resources = new Map<string, Resource>();
  for (const [i, entry] of bundle.value.resources.entries()) {
    const resource = parseResource(entry.resource);
    if (!resource.ok) return resource;
    if (
      !isPolicyResource(resource.value) ||
      resource.value.metadata.namespace !== bundle.value.namespace
    ) {
      const message = `must be a policy of namespace ${bundle.value.namespace}`;
      return fail([{ resource: key, path: `resources[${i}]`, message }]);
    }
    resources.set(entry.key, resource.value);
  }
  return ok(resources);
}

/** `namespace/service` of every backend and mirror of a route's rules. */
function routeBackends(route: HTTPRoute): string[] {
  const ns = route.metadata.namespace;
  return route.spec.rules.flatMap((rule) => [
    ...(rule.backendRefs ?? []).map((b) => `${b.namespace ?? ns}/${b.name}`),
    ...(rule.filters ?? []).flatMap((f) =>
      f.requestMirror
        ? [`${f.requestMirror.backendRef.namespace ?? ns}/${f.requestMirror.backendRef.name}`]
        : [],
    ),
  ]);
}
