// What every proxy runs: last ACK/NACK and revision, last heartbeat, stale when silent past the TTL.
import { Injectable } from '@nestjs/common';
import type { Heartbeat, ProxyAck, ProxyMode, ProxyStatus } from '@app/protocol';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';

type Entry = { -readonly [K in keyof ProxyStatus]: ProxyStatus[K] } & { seenAt: number };

@Injectable()
export class ProxyRegistry {
  private readonly proxies = new Map<string, Entry>();

  constructor(private readonly env: ControlPlaneEnv) {}

  onAck(ack: ProxyAck, now = Date.now()): void {
    const p = this.entry(ack.proxyId, ack, now);
    p.revision = ack.revision;
    p.status = ack.status;
    p.error = ack.error ?? null;
  }

  onHeartbeat(hb: Heartbeat, now = Date.now()): void {
    if (hb.state === 'down') {
      this.proxies.delete(hb.proxyId);
      return;
    }
    this.entry(hb.proxyId, hb, now).state = hb.state;
  }

  list(now = Date.now()): ProxyStatus[] {
    return [...this.proxies.values()]
      .map(({ seenAt, ...p }) => ({
        ...p,
        lastSeen: new Date(seenAt).toISOString(),
        stale: now - seenAt > this.env.instanceTtlMs,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  private entry(
    id: string,
    from: { mode: ProxyMode; namespace: string; service: string },
    now: number,
  ): Entry {
    let p = this.proxies.get(id);
    if (!p) {
      const { mode, namespace, service } = from;
      p = {
        id,
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
      this.proxies.set(id, p);
    }
    p.seenAt = now;
    return p;
  }
}
