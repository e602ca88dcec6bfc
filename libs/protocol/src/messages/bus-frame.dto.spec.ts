// Bus frames read from NATS headers: each kind with its fields, garbage rejected with a field path;
// the transport choice validated on TrafficPolicy and on the Service annotation.
import { describe, expect, it } from '@jest/globals';
import { parseResource } from '../resources/resource.js';
import { BUS_HEADER, parseBusFrame } from './bus-frame.dto.js';

function frame(headers: Record<string, string>) {
  return parseBusFrame((name) => headers[name] ?? '', 'inbox.1');
}

describe('parseBusFrame', () => {
  it('reads an open frame with its fields', () => {
    const parsed = frame({
      [BUS_HEADER.frame]: 'open',
      [BUS_HEADER.method]: 'POST',
      [BUS_HEADER.path]: '/a?b=1',
      [BUS_HEADER.body]: '1',
      [BUS_HEADER.window]: '16',
      [BUS_HEADER.keepalive]: '1000',
    });
    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({
        kind: 'open',
        method: 'POST',
        path: '/a?b=1',
        body: true,
        window: 16,
        keepaliveMs: 1000,
      }),
    });
  });

  it('reads the small frames', () => {
    expect(frame({ [BUS_HEADER.frame]: 'data', [BUS_HEADER.seq]: '7' })).toMatchObject({
      ok: true,
      value: { kind: 'data', seq: 7 },
    });
    expect(frame({ [BUS_HEADER.frame]: 'ping' })).toMatchObject({
      ok: true,
      value: { kind: 'ping' },
    });
  });

  it('rejects garbage with the field that is wrong', () => {
    const cases: [Record<string, string>, string][] = [
      [{ [BUS_HEADER.frame]: 'bogus' }, 'frame'],
      [{ [BUS_HEADER.frame]: 'data', [BUS_HEADER.seq]: '0' }, 'seq'],
      [{ [BUS_HEADER.frame]: 'data', [BUS_HEADER.seq]: 'x1' }, 'seq'],
      [{ [BUS_HEADER.frame]: 'head', [BUS_HEADER.status]: '99' }, 'status'],
      [{ [BUS_HEADER.frame]: 'credit', [BUS_HEADER.credit]: '5000' }, 'credit'],
      [{ [BUS_HEADER.frame]: 'open', [BUS_HEADER.method]: 'GET', [BUS_HEADER.path]: 'x' }, 'path'],
    ];
    for (const [headers, path] of cases) {
      const parsed = frame(headers);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.errors.map((e) => e.path)).toContain(path);
    }
  });
});

describe('transport choice', () => {
  it('accepts http and bus on a TrafficPolicy and names the field otherwise', () => {
    const policy = (transport: string) => ({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'TrafficPolicy',
      metadata: { name: 'p' },
      spec: { targetRefs: [{ kind: 'Service', name: 'api' }], transport },
    });
    expect(parseResource(policy('bus')).ok).toBe(true);
    const bad = parseResource(policy('carrier-pigeon'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatchObject({ path: 'spec.transport' });
  });

  it('checks the Service annotation', () => {
    const service = (value: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', annotations: { 'weft.dev/transport': value } },
      spec: {},
    });
    expect(parseResource(service('bus')).ok).toBe(true);
    const bad = parseResource(service('smoke'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors[0]).toMatchObject({
        resource: 'Service/default/api',
        path: 'metadata',
        message: 'annotation weft.dev/transport must be one of http, bus',
      });
    }
  });
});
