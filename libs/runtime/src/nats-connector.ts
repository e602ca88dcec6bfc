// One NATS connection per process: reconnects forever, logs and exports its state.
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import type { CommonEnv } from './env.js';
import type { Logger } from './logger.js';
import { stateGauge } from './process-metrics.js';

/** Prometheus: `weft_nats_connected`. */
const connected = stateGauge(
  'weft.nats.connected',
  '1 while the process has a live NATS connection',
);

/**
 * Connects in the background and keeps retrying until it succeeds, so a proxy can start and serve
 * from its cached config while NATS is away.
 */
export type NatsLinkState = 'disconnect' | 'reconnect';

export function connectNats(
  env: CommonEnv,
  name: string,
  log: Logger,
  onLink: (state: NatsLinkState) => void = () => undefined,
): Promise<NatsConnection> {
  return connect({
    servers: env.natsServers,
    name,
    authenticator: env.WEFT_NATS_CREDS
      ? credsAuthenticator(readFileSync(env.WEFT_NATS_CREDS))
      : undefined,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    pingInterval: 5_000,
  }).then((nc) => {
    connected.set(1);
    log.info({ server: nc.getServer() }, 'connected to NATS');
    void watchStatus(nc, log, onLink);
    return nc;
  });
}

async function watchStatus(
  nc: NatsConnection,
  log: Logger,
  onLink: (state: NatsLinkState) => void,
): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') {
      connected.set(0);
      log.warn({ server: s.server }, 'NATS disconnected; reconnecting');
      onLink('disconnect');
    } else if (s.type === 'reconnect') {
      connected.set(1);
      log.info({ server: s.server }, 'NATS reconnected');
      onLink('reconnect');
    }
  }
}
