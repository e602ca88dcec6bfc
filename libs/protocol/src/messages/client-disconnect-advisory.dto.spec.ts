// Unit spec for ClientDisconnectAdvisory: a real server advisory parses; garbage is a typed error.
import { describe, expect, it } from '@jest/globals';
import { decodeMessage, encode } from '../codec.js';
import { ClientDisconnectAdvisory } from './client-disconnect-advisory.dto.js';

const SUBJECT = '$SYS.ACCOUNT.APP.DISCONNECT';

// The shape nats-server 2.9 publishes (docs.nats.io: reference/system/advisory/client-disconnect).
const advisory = {
  type: 'io.nats.server.advisory.v1.client_disconnect',
  id: 'DncyzipRGFfASo0FGtr3F8',
  timestamp: '2024-03-18T15:20:58.553514622Z',
  server: {
    name: 'n1',
    host: '0.0.0.0',
    id: 'ND5KNTKGIJIDQ6SXFIVHM7WOWALPSO5XHBTUANVLNPCUMZNSSHOZ4CAU',
    ver: '2.9.10',
    seq: 586,
    jetstream: true,
    time: '2024-03-18T15:20:58.553580536Z',
  },
  client: {
    start: '2024-03-18T15:20:57.491693958Z',
    host: '127.0.0.1',
    id: 72,
    acc: 'APP',
    name: 'weft-sidecar-api-1',
    lang: 'nats.js',
    ver: '3.0.0',
    rtt: 171530821,
    stop: '2024-03-18T15:20:58.553514622Z',
  },
  sent: { msgs: 0, bytes: 0 },
  received: { msgs: 1, bytes: 47665 },
  reason: 'Client Closed',
};

describe('ClientDisconnectAdvisory', () => {
  it('reads the server id, client id, name and reason of a real advisory', () => {
    const result = decodeMessage(ClientDisconnectAdvisory, encode(advisory), SUBJECT);
    expect(result.ok && result.value).toMatchObject({
      server: { id: advisory.server.id },
      client: { id: 72, name: 'weft-sidecar-api-1', acc: 'APP' },
      reason: 'Client Closed',
    });
  });

  it('rejects other advisory types, a missing client and a non-numeric client id', () => {
    const wrongType = { ...advisory, type: 'io.nats.server.advisory.v1.client_connect' };
    const noClient = { ...advisory, client: undefined };
    const badId = { ...advisory, client: { ...advisory.client, id: '72' } };
    for (const [value, path] of [
      [wrongType, 'type'],
      [noClient, 'client'],
      [badId, 'client.id'],
    ] as const) {
      const result = decodeMessage(ClientDisconnectAdvisory, encode(value), SUBJECT);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(path);
    }
  });

  it('rejects bytes that are not JSON', () => {
    const result = decodeMessage(ClientDisconnectAdvisory, new Uint8Array([0xff, 0x7b]), SUBJECT);
    expect(result.ok).toBe(false);
  });
});
