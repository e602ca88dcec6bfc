// Announces each write of a projected key (and each snapshot marker) on the key's own subject, the
// value with it, so a proxy following that destination hears of it without a KV watch of its own;
// the leader announces its last marker again once its NATS connection is back.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { PROTOCOL_VERSION, SNAPSHOT_KEY, type SnapshotMarker } from '@app/protocol';
import { NatsClient } from '@app/runtime';
import { ControlPlaneEnv } from '../control-plane-env.dto.js';
import { LeaderElection } from '../leader/leader-election.service.js';
import { bootSubjects } from '../nats/boot-subjects.js';
import { MarkerAnnouncements } from './marker-announcements.js';
import { MarkerReplay } from './marker-replay.js';

/** Bigger values are announced without them: the proxy reads those from the bucket. */
const MAX_ANNOUNCED_VALUE_BYTES = 64 * 1024;

@Injectable()
export class ConfigAnnouncer implements OnApplicationShutdown {
  private readonly encoder = new TextEncoder();
  private readonly markers: MarkerAnnouncements;
  private readonly replay = new MarkerReplay();

  constructor(
    private readonly nats: NatsClient,
    env: ControlPlaneEnv,
    private readonly election: LeaderElection,
  ) {
    this.markers = new MarkerAnnouncements(
      { quietMs: env.WEFT_DEBOUNCE_MS, maxMs: env.WEFT_DEBOUNCE_MAX_MS },
      (seq, json) => this.sendMarker(seq, json),
    );
    nats.on('reconnect', () => this.announceAgain());
    election.on('deposed', () => this.replay.clear());
  }

  /** A revision's marker, written at `seq`: announced at once, or merged into a burst's last one. */
  announceMarker(seq: number, marker: SnapshotMarker): void {
    this.replay.committed(seq, marker);
    this.markers.add(seq, marker);
  }

  /** A marker goes out; once the server answers a flush, it (and those before it) arrived. */
  private sendMarker(seq: number, json: string): void {
    this.announce(SNAPSHOT_KEY, seq, json);
    this.nats.current?.flush().then(
      () => this.replay.confirmed(seq),
      () => undefined,
    );
  }

  /**
   * Back on NATS: the leader announces its last marker again, listing what the markers that may
   * have been lost with the old connection wrote (proxies that stayed connected would otherwise
   * never hear of that revision; one that applied it already ACKs nothing new).
   */
  private announceAgain(): void {
    const replay = this.election.isLeader ? this.replay.replay() : undefined;
    if (replay) this.sendMarker(replay.seq, JSON.stringify(replay.marker));
  }

  onApplicationShutdown(): void {
    this.markers.cancel();
  }

  /**
   * A `ConfigAnnouncement` of `key` written at KV revision `seq` with `json` (undefined: deleted).
   * Best effort: a proxy that was away when it went out reads its destinations again on reconnect,
   * and a snapshot marker lists the projections its revision wrote.
   */
  announce(key: string, seq: number, json: string | undefined): void {
    const nc = this.nats.current;
    if (!nc) return;
    const head = `{"v":${PROTOCOL_VERSION},"key":${JSON.stringify(key)},"seq":${seq}`;
    const body =
      json === undefined
        ? `${head},"op":"DEL"}`
        : json.length > MAX_ANNOUNCED_VALUE_BYTES
          ? `${head},"op":"PUT"}`
          : `${head},"op":"PUT","value":${json}}`;
    nc.publish(bootSubjects().configAnnouncement(key), this.encoder.encode(body));
  }
}
