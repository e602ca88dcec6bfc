// Router mode on the bus: the routers answer, in one queue group, the rpc subjects of the Services
// that have no instances of their own (ExternalServices: static endpoints), and send each request
// straight to that Service's endpoints over HTTP.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subjects } from '@app/protocol';
import { BusMetrics, BusResponder, DataPlaneEngine, type HttpListener } from '@app/dataplane';
import { LOGGER, NatsClient, NatsService, reportInvalid, type Logger } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';

/**
 * Only Services without instances: a Service whose sidecars (or node proxies) answer the bus
 * themselves would otherwise get two answers to one request, and a Service nobody serves keeps
 * NATS's immediate "no responders" instead of a router's 503.
 */
@Injectable()
export class RouterBusService implements OnApplicationBootstrap, OnApplicationShutdown {
  private responder: BusResponder | undefined;
  /** The request path of each Service served so far, by `namespace/service`. */
  private readonly paths = new Map<string, HttpListener>();

  constructor(
    private readonly env: RouterEnv,
    private readonly engine: DataPlaneEngine,
    private readonly nats: NatsClient,
    private readonly service: NatsService,
    private readonly metrics: BusMetrics,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const started = this.nats.connection.then((nc) => {
      const subjects = new Subjects(this.env.WEFT_SUBJECT_PREFIX);
      const responder = new BusResponder(
        nc,
        subjects,
        this.env.busSettings,
        this.metrics,
        (where, reason) => reportInvalid(this.log, 'bus', where, reason),
        {
          queue: subjects.routerQueue,
          handlerFor: (key) => this.pathOf(key).handle,
          endpoints: this.service,
          trustDomain: this.env.WEFT_TRUST_DOMAIN,
        },
      );
      this.responder = responder;
      // The ExternalServices, now and after each config commit.
      this.engine.served.followStatic((keys) => responder.retain(keys));
    });
    started.catch((err: Error) =>
      this.log.error({ err: err.message }, 'bus responder not started'),
    );
  }

  /**
   * Takes no new bus exchanges at once (NATS hands them to the other routers from then on), and
   * waits for those in flight, within WEFT_DRAIN_TIMEOUT_MS.
   */
  async drain(): Promise<void> {
    await this.responder?.drain();
    const timeout = this.env.WEFT_DRAIN_TIMEOUT_MS;
    await Promise.all([...this.paths.values()].map((path) => path.drain(0, timeout)));
  }

  private pathOf(key: string): HttpListener {
    let path = this.paths.get(key);
    if (!path) {
      path = this.engine.serviceListener(key);
      this.paths.set(key, path);
    }
    return path;
  }

  onApplicationShutdown(): void {
    this.responder?.close();
  }
}
