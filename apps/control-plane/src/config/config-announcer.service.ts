// Announces each write of a projected key (and each snapshot marker) on the key's own subject, the
// value with it, so a proxy following that destination hears of it without a KV watch of its own.
import { Injectable } from '@nestjs/common';
import { PROTOCOL_VERSION } from '@app/protocol';
import { NatsClient } from '@app/runtime';
import { bootSubjects } from '../nats/boot-subjects.js';

/** Bigger values are announced without them: the proxy reads those from the bucket. */
const MAX_ANNOUNCED_VALUE_BYTES = 64 * 1024;

@Injectable()
export class ConfigAnnouncer {
  private readonly encoder = new TextEncoder();

  constructor(private readonly nats: NatsClient) {}

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
