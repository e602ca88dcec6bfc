// Property spec: every NATS message decoder takes any bytes and any JSON without throwing (garbage is an error value).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ClassConstructor } from 'class-transformer';
import { decodeMessage } from '../codec.js';
import { BUS_HEADER, parseBusFrame } from './bus-frame.dto.js';
import { ClientDisconnectAdvisory } from './client-disconnect-advisory.dto.js';
import { ConfigAnnouncement } from './config-announcement.dto.js';
import { ConfigEntry, SnapshotMarker } from './config-entry.dto.js';
import { DestinationBundle, InstanceMembership, ServiceAlias } from './destination.dto.js';
import { EndpointSet } from './endpoint-set.dto.js';
import { Heartbeat } from './heartbeat.dto.js';
import { HistoryEntry } from './history-entry.dto.js';
import { LeaderEvent, LeaderLease } from './leader-lease.dto.js';
import { MetricsSnapshot } from './metrics-snapshot.dto.js';
import { ProxyAck } from './proxy-ack.dto.js';

const MESSAGES: [string, ClassConstructor<object>][] = [
  ['Heartbeat', Heartbeat],
  ['ProxyAck', ProxyAck],
  ['EndpointSet', EndpointSet],
  ['ConfigEntry', ConfigEntry],
  ['SnapshotMarker', SnapshotMarker],
  ['ConfigAnnouncement', ConfigAnnouncement],
  ['DestinationBundle', DestinationBundle],
  ['ServiceAlias', ServiceAlias],
  ['InstanceMembership', InstanceMembership],
  ['LeaderLease', LeaderLease],
  ['LeaderEvent', LeaderEvent],
  ['MetricsSnapshot', MetricsSnapshot],
  ['HistoryEntry', HistoryEntry],
  ['ClientDisconnectAdvisory', ClientDisconnectAdvisory],
];

/** JSON shaped like messages: objects with the fields messages have, holding any JSON. */
const messageLike = fc.dictionary(
  fc.constantFrom(
    'v',
    'namespace',
    'service',
    'instanceId',
    'address',
    'port',
    'state',
    'labels',
    'endpoints',
    'key',
    'seq',
    'value',
    'revision',
    'proxyId',
    'status',
    'error',
    'edges',
    'resources',
    'holder',
    'url',
    'expiresAt',
    'written',
    'changes',
    'kind',
    '__proto__',
    'constructor',
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('message decoders', () => {
  it.each(MESSAGES)('%s: any bytes give a value or errors, never a throw', (name, cls) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = decodeMessage(cls, bytes, `subject.${name}`);
        if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it.each(MESSAGES)('%s: any JSON, and message-shaped JSON, never throws', (name, cls) => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), messageLike), (json) => {
        const result = decodeMessage(cls, new TextEncoder().encode(JSON.stringify(json)), name);
        if (!result.ok) for (const e of result.errors) expect(e.resource).toBe(name);
      }),
      { numRuns: 300 },
    );
  });

  it('bus frames: any header values give a frame or errors, never a throw', () => {
    const headerNames = Object.values(BUS_HEADER);
    fc.assert(
      fc.property(
        fc.constantFrom(
          'open',
          'accept',
          'head',
          'data',
          'end',
          'credit',
          'ping',
          'cancel',
          'x',
          '',
        ),
        fc.dictionary(fc.constantFrom(...headerNames), fc.oneof(fc.string(), fc.nat().map(String))),
        (kind, headers) => {
          const get = (name: string) => (name === BUS_HEADER.frame ? kind : (headers[name] ?? ''));
          const result = parseBusFrame(get, 'inbox');
          if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
