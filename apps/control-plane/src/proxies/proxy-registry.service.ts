// What every proxy runs: last ACK/NACK and revision, last heartbeat, stale when silent past the TTL.
import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { Heartbeat, ProxyAck, ProxyMode, ProxyStatus } from '@app/protocol';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';

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
 * Emits `change` when a proxy appears or its revision, ACK/NACK, error or state changes (not on
 * every heartbeat), and `removed` when it announces `down`: the live stream relays both. `ack`
 * comes with `change` when what changed is the revision, ACK/NACK or error.
 */
@Injectable()
export class ProxyRegistry extends EventEmitter<{
  change: [ProxyStatus];
  removed: [string];
  ack: [ProxyStatus];
}> {
  private readonly proxies = new Map<string, Entry>();

  constructor(private readonly env: ControlPlaneEnv) {
    super();
  }

  onAck(ack: ProxyAck, now = Date.now()): void {
    const p = this.entry(ack, now);
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
    if (p.state === hb.state) return;
    p.state = hb.state;
    this.emit('change', this.view(p, now));
  }

  list(now = Date.now()): ProxyStatus[] {
    return [...this.proxies.values()]
      .map((p) => this.view(p, now))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  private view({ seenAt, ...p }: Entry, now: number): ProxyStatus {
    return {
      ...p,
      lastSeen: new Date(seenAt).toISOString(),
      stale: now - seenAt > this.env.instanceTtlMs,
    };
  }

  private entry(from: Reporter, now: number): Entry {
    const key = rowKey(from);
    let p = this.proxies.get(key);
    if (!p) {
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
      this.proxies.set(key, p);
    }
    p.seenAt = now;
    return p;
  }
}
