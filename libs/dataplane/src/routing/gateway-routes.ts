// An edge router's compiled Gateway: per listener port, a host table of virtual hosts.
import type { Gateway } from '@app/protocol';
import type { VirtualHost } from './route-table.js';

/** Host table key of routes that take every host (no listener or route hostname). */
export const ANY_HOST = '*';

export class HostTable {
  constructor(private readonly hosts: ReadonlyMap<string, VirtualHost>) {}

  /**
   * The virtual host of `host` (lower-case, no port): its exact name, else the most specific
   * wildcard (`*.b.example.com` before `*.example.com`), else the catch-all. As in Envoy, the chosen
   * virtual host alone decides: no fall-through to a less specific one when none of its rules match.
   */
  lookup(host: string): VirtualHost | undefined {
    const exact = this.hosts.get(host);
    if (exact) return exact;
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const wildcard = this.hosts.get(`*${host.slice(dot)}`);
      if (wildcard) return wildcard;
    }
    return this.hosts.get(ANY_HOST);
  }

  get size(): number {
    return this.hosts.size;
  }
}

export class GatewayRoutes {
  constructor(
    /** The Gateway as applied: its listeners are what the router opens. */
    readonly gateway: Gateway,
    private readonly ports: ReadonlyMap<number, HostTable>,
  ) {}

  /** The host table of a listener port; undefined for a port the Gateway does not list. */
  port(port: number): HostTable | undefined {
    return this.ports.get(port);
  }
}
