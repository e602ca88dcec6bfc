// Unit spec for instance locality on the wire: heartbeats and endpoint entries carry cluster,
// region and zone when sent, stay valid without them, and refuse values that are not DNS labels.
import { describe, expect, it } from '@jest/globals';
import { decodeMessage, encode } from '../codec.js';
import { EndpointSet } from './endpoint-set.dto.js';
import { Heartbeat } from './heartbeat.dto.js';

const instance = {
  namespace: 'shop',
  service: 'api',
  serviceAccount: 'api',
  instanceId: 'api-1',
  address: '10.0.0.1',
  port: 15006,
  labels: { app: 'api' },
};
const beat = { v: 1, ...instance, state: 'ready', mode: 'sidecar', proxyId: 'api-1', sentAt: 1 };
const locality = { cluster: 'east', region: 'us-east-1', zone: 'us-east-1a' };

function errorsOf<T extends object>(cls: new () => T, value: object): string[] {
  const result = decodeMessage(cls, encode(value), 'msg');
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('instance locality', () => {
  it('a heartbeat carries cluster, region and zone, and stays valid without them', () => {
    const decoded = decodeMessage(Heartbeat, encode({ ...beat, ...locality }), 'hb');
    expect(decoded.ok && decoded.value).toMatchObject(locality);
    const old = decodeMessage(Heartbeat, encode(beat), 'hb');
    expect(old.ok && [old.value.cluster, old.value.region, old.value.zone]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('an endpoint set carries each entry’s locality', () => {
    const set = { v: 1, namespace: 'shop', service: 'api', updatedAt: 1 };
    const decoded = decodeMessage(
      EndpointSet,
      encode({ ...set, endpoints: [{ ...instance, ...locality }, instance] }),
      'set',
    );
    expect(decoded.ok && decoded.value.endpoints.map((e) => e.zone)).toEqual([
      'us-east-1a',
      undefined,
    ]);
  });

  it('refuses parts that are not DNS labels, or longer than 63 characters', () => {
    expect(errorsOf(Heartbeat, { ...beat, zone: 'us east' })).toEqual([
      'zone: must be a lower-case DNS label (a-z, 0-9, "-"; at most 63 characters)',
    ]);
    expect(errorsOf(Heartbeat, { ...beat, cluster: 'a/b' })).toEqual([
      'cluster: must be a lower-case DNS label (a-z, 0-9, "-"; at most 63 characters)',
    ]);
    expect(errorsOf(Heartbeat, { ...beat, region: 'r'.repeat(64) })).toEqual([
      'region: must be shorter than or equal to 63 characters',
    ]);
  });
});
