// The live stream of `GET /v1/stream`: stats every few seconds, proxy status changes, control-plane events.
import { Injectable } from '@nestjs/common';
import { interval, map, merge, Observable, share, Subject } from 'rxjs';
import type { MeshEvent, MeshStreamEvents } from '@app/protocol';
import { processMetrics } from '@app/runtime';
import { ConfigStore } from '../config/config-store.service.js';
import { ProxyRegistry } from '../proxies/proxy-registry.service.js';
import { MeshStatsService } from '../stats/mesh-stats.service.js';

/** How often followers get fresh stats. */
export const STATS_PUSH_INTERVAL_MS = 2_000;

/** Events a new follower gets first, so a dashboard opens with some history. */
export const RECENT_EVENTS = 50;

/** One Server-Sent Event: its name (`event:`) and its JSON `data`. */
export type StreamEvent = {
  [K in keyof MeshStreamEvents]: { readonly type: K; readonly data: MeshStreamEvents[K] };
}[keyof MeshStreamEvents];

/** Prometheus: `weft_stream_clients`; back to 0 once every client went away. */
const followers = processMetrics.meter.createUpDownCounter('weft.stream.clients', {
  description: 'Clients following GET /v1/stream',
  unit: '{client}',
});

@Injectable()
export class MeshStream {
  private readonly recent: MeshEvent[] = [];
  private readonly changes = new Subject<StreamEvent>();
  /** One timer and one aggregation per tick for every follower; it stops with the last one. */
  private readonly statsTicks: Observable<StreamEvent>;

  constructor(
    private readonly stats: MeshStatsService,
    private readonly proxies: ProxyRegistry,
    private readonly store: ConfigStore,
  ) {
    proxies.on('change', (p) => this.changes.next({ type: 'proxy', data: p }));
    proxies.on('removed', (id) => this.changes.next({ type: 'proxy-removed', data: { id } }));
    this.statsTicks = interval(STATS_PUSH_INTERVAL_MS).pipe(
      map((): StreamEvent => ({ type: 'stats', data: this.stats.current() })),
      share(),
    );
  }

  /** A control-plane event, kept among the recent ones and relayed to every follower. */
  onEvent(event: MeshEvent): void {
    this.recent.push(event);
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    this.changes.next({ type: 'event', data: event });
  }

  /** What one follower receives: the current state, then every change until it unsubscribes. */
  follow(): Observable<StreamEvent> {
    return new Observable<StreamEvent>((subscriber) => {
      followers.add(1);
      subscriber.next({
        type: 'proxies',
        data: { revision: this.store.currentRevision, items: this.proxies.list() },
      });
      subscriber.next({ type: 'stats', data: this.stats.current() });
      for (const event of this.recent) subscriber.next({ type: 'event', data: event });
      const live = merge(this.changes, this.statsTicks).subscribe(subscriber);
      return () => {
        live.unsubscribe();
        followers.add(-1);
      };
    });
  }
}
