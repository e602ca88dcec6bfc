// Answers the NATS services protocol (ADR-32: `$SRV.PING|INFO|STATS`), so `nats micro ls` lists us.
import type { NatsConnection } from '@nats-io/transport-node';

export interface MicroIdentity {
  /** Service name: letters, digits, `-`, `_` (e.g. `weft-sidecar`). */
  readonly name: string;
  /** Unique per process. */
  readonly id: string;
  /** SemVer. */
  readonly version: string;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
}

const VERBS = { PING: 'ping_response', INFO: 'info_response', STATS: 'stats_response' } as const;

/** Subscribes the discovery subjects for `who` on `nc`; they live as long as the connection. */
export function answerMicroDiscovery(nc: NatsConnection, who: MicroIdentity): void {
  const started = new Date().toISOString();
  const base = { name: who.name, id: who.id, version: who.version, metadata: who.metadata };
  const bodies: Record<keyof typeof VERBS, object> = {
    PING: { type: `io.nats.micro.v1.${VERBS.PING}`, ...base },
    INFO: {
      type: `io.nats.micro.v1.${VERBS.INFO}`,
      ...base,
      description: who.description,
      endpoints: [],
    },
    STATS: { type: `io.nats.micro.v1.${VERBS.STATS}`, ...base, started, endpoints: [] },
  };
  for (const verb of Object.keys(VERBS) as (keyof typeof VERBS)[]) {
    const payload = JSON.stringify(bodies[verb]);
    for (const subject of [
      `$SRV.${verb}`,
      `$SRV.${verb}.${who.name}`,
      `$SRV.${verb}.${who.name}.${who.id}`,
    ]) {
      nc.subscribe(subject, {
        callback: (_err, msg) => {
          msg.respond(payload);
        },
      });
    }
  }
}
