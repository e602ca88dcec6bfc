// Follows the NATS server's client disconnect advisories (system account): a crashed proxy's
// instance leaves its endpoint sets the moment its connection drops, not a heartbeat TTL later.
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  connect,
  type ConnectionOptions,
  type Msg,
  type NatsConnection,
} from '@nats-io/transport-node';
import {
  ClientDisconnectAdvisory,
  decodeMessage,
  formatErrors,
  SERVER_SHUTDOWN_REASON,
  SYS_CLIENT_DISCONNECT_ALL,
  SYS_SERVER_PING,
} from '@app/protocol';
import {
  eventCounter,
  LOGGER,
  natsTlsOptions,
  readNatsCredentials,
  reportInvalid,
  type Logger,
} from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { InstanceRegistry } from './instance-registry.service.js';

/** Prometheus: `weft_client_disconnect_advisories_total`. */
const advisories = eventCounter(
  'weft.client_disconnect_advisories',
  'Valid client disconnect advisories received from the NATS system account',
  '{advisory}',
);

const PING_TIMEOUT_MS = 2_000;

@Injectable()
export class ClientDisconnectWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private nc: NatsConnection | undefined;
  private closing = false;

  constructor(
    private readonly env: ControlPlaneEnv,
    private readonly instances: InstanceRegistry,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.env.WEFT_NATS_SYSTEM_CREDS && !this.env.WEFT_NATS_SYSTEM_USER) {
      this.log.info('no NATS system account user: instances expire by heartbeat TTL only');
      return;
    }
    void this.systemAuth()
      .then((auth) => this.follow(auth))
      .catch((err: Error) =>
        this.log.error({ err: err.message }, 'cannot follow client disconnect advisories'),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.nc?.close();
  }

  private async systemAuth(): Promise<Partial<ConnectionOptions>> {
    const { WEFT_NATS_SYSTEM_CREDS: creds, WEFT_NATS_SYSTEM_USER: user } = this.env;
    if (creds) return { ...(await readNatsCredentials(creds)) };
    return { user, pass: this.env.WEFT_NATS_SYSTEM_PASSWORD };
  }

  private async follow(auth: Partial<ConnectionOptions>): Promise<void> {
    // A link of its own: the system account is a different account from the mesh's.
    const nc = await connect({
      ...auth,
      servers: this.env.natsServers,
      tls: natsTlsOptions(this.env, this.env.natsServers),
      name: `weft-control-plane-system-${hostname()}-${process.pid}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
    });
    if (this.closing) return nc.close();
    this.nc = nc;
    nc.subscribe(SYS_CLIENT_DISCONNECT_ALL, { callback: (_err, msg) => this.onAdvisory(msg) });
    // In any other account the subscription is legal but silent: say so rather than wait forever.
    const inSystemAccount = await nc
      .request(SYS_SERVER_PING, '', { timeout: PING_TIMEOUT_MS })
      .then(
        () => true,
        () => false,
      );
    if (inSystemAccount) this.log.info('following client disconnect advisories');
    else
      this.log.error(
        'the NATS system user is not in the system account (no server answers $SYS requests): ' +
          'crashed proxies expire by heartbeat TTL only',
      );
  }

  private onAdvisory(msg: Msg): void {
    const advisory = decodeMessage(ClientDisconnectAdvisory, msg.data, msg.subject);
    if (!advisory.ok) {
      return reportInvalid(this.log, 'system-events', msg.subject, formatErrors(advisory.errors));
    }
    advisories.inc();
    const { server, client, reason } = advisory.value;
    if (reason === SERVER_SHUTDOWN_REASON) return;
    this.instances.onConnectionClosed({ server: server.id, cid: client.id });
  }
}
