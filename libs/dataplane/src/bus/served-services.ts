// The Services this proxy answers the bus for, as config commits and endpoint updates say: per local
// instance, the Services whose endpoint sets list it (sidecars, node proxies), and the
// ExternalServices (routers answer for those). Each bus responder follows its part.
import type { EndpointSet } from '@app/protocol';

/** Told the Services to serve (`namespace/service`), now and whenever they change. */
export type ServeServices = (keys: ReadonlySet<string>) => void;

interface InstanceFollower {
  readonly keys: Set<string>;
  readonly serve: ServeServices;
}

export class ServedServices {
  /** The endpoint sets applied, by Service key: what a follower that comes later starts from. */
  private readonly sets = new Map<string, EndpointSet>();
  private statics: ReadonlySet<string> = new Set();
  /** By instance id. */
  private readonly instances = new Map<string, InstanceFollower>();
  private staticFollower: ServeServices | undefined;

  /** Part of a config commit: the snapshot's endpoint sets and ExternalServices. */
  committed(sets: ReadonlyMap<string, EndpointSet>, statics: ReadonlySet<string>): void {
    for (const [key, set] of sets) this.endpointSet(key, set);
    this.statics = statics;
    this.staticFollower?.(statics);
  }

  /** One endpoint set applied, by a commit or between commits (undefined: deleted). */
  endpointSet(key: string, set: EndpointSet | undefined): void {
    if (set) this.sets.set(key, set);
    else this.sets.delete(key);
    for (const [instanceId, follower] of this.instances) {
      const listed = lists(set, instanceId);
      if (listed === follower.keys.has(key)) continue;
      if (listed) follower.keys.add(key);
      else follower.keys.delete(key);
      follower.serve(follower.keys);
    }
  }

  /** A sidecar's or node proxy's responder for `instanceId`: the Services whose sets list it. */
  followInstance(instanceId: string, serve: ServeServices): void {
    const keys = new Set<string>();
    for (const [key, set] of this.sets) if (lists(set, instanceId)) keys.add(key);
    this.instances.set(instanceId, { keys, serve });
    serve(keys);
  }

  /** A router's responder: the ExternalServices. */
  followStatic(serve: ServeServices): void {
    this.staticFollower = serve;
    serve(this.statics);
  }
}

function lists(set: EndpointSet | undefined, instanceId: string): boolean {
  return set?.endpoints.some((e) => e.instanceId === instanceId) ?? false;
}
