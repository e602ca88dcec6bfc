// Unit spec for the NATS/KV codec: garbage bytes become typed errors naming the subject; valid messages parse.
import { describe, expect, it } from '@jest/globals';
import { decodeJson, decodeMessage, encode } from './codec.js';
import type { Result } from './field-error.js';
import { EndpointSet } from './messages/endpoint-set.dto.js';
import { Heartbeat } from './messages/heartbeat.dto.js';
import { ProxyAck } from './messages/proxy-ack.dto.js';

const SUBJECT = 'weft.v1.health.shop.reviews.reviews.reviews-1';

const heartbeat = {
  v: 1,
  namespace: 'shop',
  service: 'reviews',
  serviceAccount: 'reviews',
  instanceId: 'reviews-1',
  address: '10.0.0.7',
  port: 9080,
  labels: { app: 'reviews', version: 'v1' },
  state: 'ready',
  mode: 'sidecar',
  proxyId: 'reviews-1',
  sentAt: 1_700_000_000_000,
};

const ack = {
  v: 1,
  proxyId: 'reviews-1',
  mode: 'sidecar',
  namespace: 'shop',
  service: 'reviews',
  revision: 7,
  status: 'NACK',
  error: 'HTTPRoute/shop/r: spec.rules[0].matches[0]: bad regex',
  sentAt: 1_700_000_000_000,
};

const endpointSet = {
  v: 1,
  namespace: 'shop',
  service: 'reviews',
  endpoints: [
    {
      namespace: 'shop',
      service: 'reviews',
      serviceAccount: 'reviews',
      instanceId: 'reviews-1',
      address: '10.0.0.7',
      port: 9080,
      labels: { app: 'reviews' },
    },
  ],
  updatedAt: 1_700_000_000_000,
};

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function expectRejected(result: Result<unknown>): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors.length).toBeGreaterThan(0);
  for (const error of result.errors) expect(error.resource).toBe(SUBJECT);
}

describe('decodeJson', () => {
  it('decodes UTF-8 JSON, including non-ASCII text', () => {
    expect(decodeJson(bytes('{"a":"ünï"}'), SUBJECT)).toEqual({ ok: true, value: { a: 'ünï' } });
  });

  it('rejects invalid UTF-8 instead of decoding replacement characters', () => {
    const invalid = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const result = decodeJson(invalid, SUBJECT);
    expectRejected(result);
    if (!result.ok) expect(result.errors[0].path).toBe('');
  });

  it.each([
    ['non-JSON text', 'hello'],
    ['truncated JSON', '{"v":1,'],
    ['empty payload', ''],
  ])('rejects %s', (_, text) => {
    expectRejected(decodeJson(bytes(text), SUBJECT));
  });
});

describe('decodeMessage', () => {
  it.each([
    ['Heartbeat', Heartbeat, heartbeat],
    ['ProxyAck', ProxyAck, ack],
    ['EndpointSet', EndpointSet, endpointSet],
  ] as const)('parses an encoded %s into its class', (_, cls, message) => {
    const result = decodeMessage<object>(cls, encode(message), SUBJECT);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toBeInstanceOf(cls);
    expect(result.value).toEqual(message);
  });

  it('parses the nested endpoints of an EndpointSet', () => {
    const result = decodeMessage(EndpointSet, encode(endpointSet), SUBJECT);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.endpoints[0]).toMatchObject({ instanceId: 'reviews-1', port: 9080 });
  });

  it.each([
    ['Heartbeat', Heartbeat],
    ['ProxyAck', ProxyAck],
    ['EndpointSet', EndpointSet],
  ] as const)('rejects garbage as a %s', (_, cls) => {
    expectRejected(decodeMessage<object>(cls, new Uint8Array([0xc3, 0x28]), SUBJECT));
    expectRejected(decodeMessage<object>(cls, bytes('not json'), SUBJECT));
    expectRejected(decodeMessage<object>(cls, bytes('[]'), SUBJECT));
    expectRejected(decodeMessage<object>(cls, bytes('null'), SUBJECT));
    expectRejected(decodeMessage<object>(cls, bytes('"ready"'), SUBJECT));
  });

  it('rejects a JSON array as "must be an object" at the root', () => {
    const result = decodeMessage(Heartbeat, bytes(JSON.stringify([heartbeat])), SUBJECT);
    expect(result).toEqual({
      ok: false,
      errors: [{ resource: SUBJECT, path: '', message: 'must be an object' }],
    });
  });

  it.each([
    ['Heartbeat', Heartbeat, heartbeat],
    ['ProxyAck', ProxyAck, ack],
    ['EndpointSet', EndpointSet, endpointSet],
  ] as const)('rejects a %s from another protocol version at path v', (_, cls, message) => {
    for (const v of [2, 0, '1']) {
      const result = decodeMessage<object>(cls, encode({ ...message, v }), SUBJECT);
      expectRejected(result);
      if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['v']);
    }
  });

  it('names the failing field of a nested endpoint', () => {
    const bad = { ...endpointSet, endpoints: [{ ...endpointSet.endpoints[0], port: 0 }] };
    const result = decodeMessage(EndpointSet, encode(bad), SUBJECT);
    expectRejected(result);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['endpoints[0].port']);
  });

  it('rejects a Heartbeat with an unknown state', () => {
    const result = decodeMessage(Heartbeat, encode({ ...heartbeat, state: 'zombie' }), SUBJECT);
    expectRejected(result);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['state']);
  });
});
