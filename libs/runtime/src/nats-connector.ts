// One NATS connection per process: its own credentials and inbox prefix, reconnects forever, logs
// and exports its state, counts permission violations.
import { connect, PermissionViolationError, type NatsConnection } from '@nats-io/transport-node';
import type { CommonEnv } from './env.js';
import type { Logger } from './logger.js';
import { readNatsCredentials } from './nats-credentials.js';
import { natsTlsOptions } from './nats-tls.js';
import { NatsTlsDiagnosis } from './nats-tls-diagnosis.js';
import { PermissionViolations } from './permission-violations.js';
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

/** Between dials of a server (nats.js's `reconnectTimeWait`, here before its jitter). */
const RECONNECT_WAIT_MS = 250;

export async function connectNats(
  env: CommonEnv,
  name: string,
  log: Logger,
  onLink: (state: NatsLinkState) => void = () => undefined,
): Promise<NatsConnection> {
  const creds = env.WEFT_NATS_CREDS ? await readNatsCredentials(env.WEFT_NATS_CREDS) : undefined;
  const tls = natsTlsOptions(env, env.natsServers);
  // nats.js retries a failed dial silently: with TLS, why it fails is said at a bounded rate.
  const diagnosis = tls && new NatsTlsDiagnosis(env, env.natsServersShown[0], log);
  const nc = await connect({
    servers: env.natsServers,
    name,
    tls,
    authenticator: creds?.authenticator,
    inboxPrefix: creds?.inboxPrefix,
    maxReconnectAttempts: -1,
    reconnectDelayHandler: () => {
      diagnosis?.dialing();
      // nats.js's own delay for these settings: 250 ms, and its jitter for TLS or plaintext.
      return RECONNECT_WAIT_MS + Math.random() * (tls ? 1_000 : 100);
    },
    waitOnFirstConnect: true,
    pingInterval: 5_000,
  });
  connected.set(1);
  diagnosis?.connected();
  log.info({ server: nc.getServer(), inboxPrefix: creds?.inboxPrefix }, 'connected to NATS');
  void watchStatus(nc, log, (state) => {
    if (state === 'reconnect') diagnosis?.connected();
    onLink(state);
  });
  void nc.closed().then((err) => {
    connected.set(0);
    // Closed by us (shutdown) without an error; with one, the server refused us for good (a
    // revoked or expired user): the process keeps serving what it has, without NATS.
    if (err) log.error({ err: err.message }, 'NATS connection closed; not reconnecting');
  });
  return nc;
}

async function watchStatus(
  nc: NatsConnection,
  log: Logger,
  onLink: (state: NatsLinkState) => void,
): Promise<void> {
  const violations = new PermissionViolations(log);
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') {
      connected.set(0);
      log.warn({ server: s.server }, 'NATS disconnected; reconnecting');
      onLink('disconnect');
    } else if (s.type === 'reconnect') {
      connected.set(1);
      log.info({ server: s.server }, 'NATS reconnected');
      onLink('reconnect');
    } else if (s.type === 'error' && s.error instanceof PermissionViolationError) {
      violations.note(s.error);
    }
  }
}
