// This process in the NATS services API (`@nats-io/services`, ADR-32): `$SRV.PING|INFO|STATS`, with the
// subjects it serves requests on as the service's endpoints, so `nats micro ls|info|stats` see them.
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { Svcm, type Service } from '@nats-io/services';

export interface NatsServiceIdentity {
  /** Letters, digits, `-`, `_` (e.g. `weft-sidecar`). */
  readonly name: string;
  /** SemVer. */
  readonly version: string;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface NatsEndpoint {
  /** Letters, digits, `-`, `_`; shown by INFO and STATS. */
  readonly name: string;
  readonly subject: string;
  readonly queue: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly handler: (msg: Msg) => void;
}

export interface NatsEndpointHandle {
  /** Resolves once the endpoint's subscription has drained. */
  stop(): Promise<void>;
}

/**
 * The library can add endpoints to a running service but not remove one (a subscription that
 * ends stops the whole service). So removing an endpoint replaces the service: the new one
 * subscribes the remaining endpoints first, then the old one drains, so no queue group ever lacks
 * this process's member. The replacement has a new service id and fresh STATS counters.
 */
export class NatsService {
  /** The endpoints wanted. */
  private readonly endpoints = new Set<NatsEndpoint>();
  /** The endpoints the current service has. */
  private registered = new Set<NatsEndpoint>();
  private nc: NatsConnection | undefined;
  private service: Service | undefined;
  /** Changes run one after another: `Svcm.add` is asynchronous. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly identity: NatsServiceIdentity,
    /** A failed change leaves the previous registration; the next change tries again. */
    private readonly onError: (err: Error) => void,
  ) {}

  /** Registers on `nc` (the endpoints added so far included); it lives as long as the connection. */
  start(nc: NatsConnection): Promise<void> {
    this.nc = nc;
    return this.sync();
  }

  /** Serves `endpoint` from now on (once started). */
  add(endpoint: NatsEndpoint): NatsEndpointHandle {
    this.endpoints.add(endpoint);
    void this.sync();
    return {
      stop: () => {
        this.endpoints.delete(endpoint);
        return this.sync();
      },
    };
  }

  /** Idempotent: brings the registration to the wanted endpoints. */
  private sync(): Promise<void> {
    this.chain = this.chain.then(() => this.apply()).catch((err: Error) => this.onError(err));
    return this.chain;
  }

  private async apply(): Promise<void> {
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    const removed = [...this.registered].some((e) => !this.endpoints.has(e));
    if (this.service && !this.service.isStopped && !removed) {
      for (const e of this.endpoints) if (!this.registered.has(e)) this.register(this.service, e);
      return;
    }
    const old = this.service;
    const { name, version, description, metadata } = this.identity;
    this.service = await new Svcm(nc).add({
      name,
      version,
      description,
      metadata: { ...metadata },
    });
    this.registered = new Set();
    for (const e of this.endpoints) this.register(this.service, e);
    await old?.stop();
  }

  private register(service: Service, endpoint: NatsEndpoint): void {
    const { name, subject, queue, metadata, handler } = endpoint;
    // The library answers a handler's throw with an error reply and counts it in STATS.
    service.addEndpoint(name, {
      subject,
      queue,
      metadata: metadata ? { ...metadata } : undefined,
      handler: (_err, msg) => handler(msg),
    });
    this.registered.add(endpoint);
  }
}
