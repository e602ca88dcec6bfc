// Unit spec for ProxyEnv's locality: WEFT_CLUSTER (default `local`), WEFT_REGION and WEFT_ZONE.
import { describe, expect, it } from '@jest/globals';
import { loadEnv } from '@app/runtime';
import { ProxyEnv } from './proxy-env.dto.js';

describe('ProxyEnv locality', () => {
  it('is the local cluster alone by default', () => {
    expect(loadEnv(ProxyEnv, {}).locality).toEqual({ cluster: 'local' });
  });

  it('takes cluster, region and zone from the environment', () => {
    const env = loadEnv(ProxyEnv, {
      WEFT_CLUSTER: 'east',
      WEFT_REGION: 'us-east-1',
      WEFT_ZONE: 'us-east-1a',
    });
    expect(env.locality).toEqual({ cluster: 'east', region: 'us-east-1', zone: 'us-east-1a' });
  });

  it('refuses a part that is not a DNS label, naming the variable', () => {
    expect(() => loadEnv(ProxyEnv, { WEFT_ZONE: 'Zone A' })).toThrow(
      /WEFT_ZONE must be a lower-case DNS label/,
    );
    expect(() => loadEnv(ProxyEnv, { WEFT_CLUSTER: 'c'.repeat(64) })).toThrow(/WEFT_CLUSTER/);
  });
});
