// What every proxy runs: last ACK/NACK and revision, last heartbeat; stale when silent past the
// heartbeat TTL, dropped when silent past the proxy TTL, at most WEFT_MAX_PROXIES rows.
import { EventEmitter } from 'node:events';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Heartbeat, ProxyAck, ProxyMode, ProxyStatus } from '@app/protocol';
import { NatsClient } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { countDropped } from '../dropped-entries.js';

/** Who sends a report: the identity its subject carries, and its id. */
type Reporter = { proxyId: string; mode: ProxyMode; namespace: string; service: string };

function rowKey({ namespace, service, proxyId }: Reporter): string {
  return `${namespace}/${service}/${proxyId}`;
}

type Entry = { -readonly [K in keyof ProxyStatus]: ProxyStatus[K] } & { seenAt: number };

/**
 * Rows are keyed by the reporter's identity (`<namespace>/<service>/<proxyId>`, bound to its NATS
 * subjects by nats-server) as well as its id: a proxy of another Service reporting under the same
 * id gets a row of its own and never changes this one. A node proxy's heartbeats speak for its
 * workloads, not for itself, so its row lives on its ACKs alone (it repeats them, as routers do).
 *
 * The table is bounded, as anything keyed by what proxies send must be: a row silent for
 * WEFT_PROXY_TTL_MS is dropped (a proxy killed without saying `down`), and a new reporter finding
 * WEFT_MAX_PROXIES rows takes the place of the row heard from least recently if that one is stale,
 * or is not listed. Each drop is counted in `weft_control_plane_dropped_total{weft_table="proxies"}`.
 * While this replica cannot hear NATS, silence says nothing, and nothing expires.
 *
 * Emits `change` when a proxy appears or its revision, ACK/NACK, error or state changes (not on
 * every heartbeat), and `removed` when it announces `down` or its row is dropped: the live stream
 * relays both. `ack` comes with `change` when what changed is the revision, ACK/NACK or error.
 */
@Injectable()
export class ProxyRegistry
  extends EventEmitter<{
    change: [ProxyStatus];
    removed: [string];
    ack: [ProxyStatus];
  }>
  implements OnApplicationShutdown
{
  /** Rows in the order they were last heard from, least recently first (a report moves one last). */
  private readonly proxies = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private deaf = false;
  /** When NATS last came back: every row gets a full TTL from then. */
  private heardAgainAt = 0;

  constructor(
    private readonly env: ControlPlaneEnv,
    nats: NatsClient,
  ) {
    super();
    nats.on('disconnect', () => (this.deaf = true));
    nats.on('reconnect', () => {
      this.deaf = false;
      this.heardAgainAt = Date.now();
    });
    const every = Math.min(1_000, env.proxyTtlMs / 4);
    this.sweeper = setInterval(() => this.expire(Date.now()), every);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  onAck(ack: ProxyAck, now = Date.now()): void {
    const p = this.entry(ack, now);
    if (!p) return;
    const before = [p.revision, p.status, p.error].join();
    p.revision = ack.revision;
    p.status = ack.status;
    p.error = ack.error ?? null;
    // A proxy re-sends its last ACK with the trust it holds whenever that changes.
    const trust = ack.trust ? { roots: ack.trust.roots, issuers: ack.trust.issuers } : p.trust;
    const trustChanged = JSON.stringify(trust) !== JSON.stringify(p.trust);
    p.trust = trust;
    const ackChanged = [p.revision, p.status, p.error].join() !== before;
    if (!ackChanged && !trustChanged) return;
    const view = this.view(p, now);
    this.emit('change', view);
    if (ackChanged) this.emit('ack', view);
  }

  onHeartbeat(hb: Heartbeat, now = Date.now()): void {
    if (hb.mode === 'node') return;
    if (hb.state === 'down') {
      if (this.proxies.delete(rowKey(hb))) this.emit('removed', hb.proxyId);
      return;
    }
    const p = this.entry(hb, now);
    if (!p || p.state === hb.state) return;
    p.state = hb.state;
    this.emit('change', this.view(p, now));
  }

  list(now = Date.now()): ProxyStatus[] {
    return [...this.proxies.values()]
      .map((p) => this.view(p, now))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Drops the rows silent for the proxy TTL. */
  expire(now: number): void {
    const deadline = now - this.env.proxyTtlMs;
    if (this.deaf || this.heardAgainAt > deadline) return;
    let expired = 0;
    for (const [key, p] of this.proxies) {
      if (p.seenAt >= deadline) break;
      this.proxies.delete(key);
      this.emit('removed', p.id);
      expired++;
    }
    if (expired > 0) countDropped('proxies', 'expired', expired);
  }

  private view({ seenAt, ...p }: Entry, now: number): ProxyStatus {
    return {
      ...p,
      lastSeen: new Date(seenAt).toISOString(),
      stale: now - seenAt > this.env.instanceTtlMs,
    };
  }

  /** The reporter's row, heard from now (created when there is room); undefined: not listed. */
  private entry(from: Reporter, now: number): Entry | undefined {
    const key = rowKey(from);
    let p = this.proxies.get(key);
    if (p) this.proxies.delete(key);
    else {
      if (this.proxies.size >= this.env.WEFT_MAX_PROXIES && !this.evictStalest(now)) {
        countDropped('proxies', 'refused');
        return undefined;
      }
      const { mode, namespace, service } = from;
      p = {
        id: from.proxyId,
        mode,
        namespace,
        service,
        revision: null,
        status: null,
        error: null,
        state: null,
        lastSeen: '',
        stale: false,
        seenAt: now,
      };
    }
    p.seenAt = now;
    this.proxies.set(key, p);
    return p;
  }

  /** Makes room by dropping the row heard from least recently, if it is stale; false if not. */
  private evictStalest(now: number): boolean {
    const oldest = this.proxies.entries().next();
    if (oldest.done || now - oldest.value[1].seenAt <= this.env.instanceTtlMs) return false;
    const [key, p] = oldest.value;
    this.proxies.delete(key);
    this.emit('removed', p.id);
    countDropped('proxies', 'evicted');
    return true;
  }
}
