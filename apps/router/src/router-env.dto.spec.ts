// The router's env: replicas of a set are told apart by their index (instance id, admin port).
import { loadEnv } from '@app/runtime';
import { RouterEnv } from './router-env.dto.js';

describe('RouterEnv', () => {
  it('a single router keeps its id and admin port', () => {
    const env = loadEnv(RouterEnv, { WEFT_INSTANCE_ID: 'r', WEFT_ADMIN_PORT: '15000' });
    expect([env.WEFT_ROUTER_REPLICAS, env.instanceId, env.adminPort]).toEqual([1, 'r', 15000]);
  });

  it('replica i of a set is <id>-<i> on admin port WEFT_ADMIN_PORT + i (0 stays any free port)', () => {
    const replica = (index: string, admin = '15000') =>
      loadEnv(RouterEnv, {
        WEFT_INSTANCE_ID: 'r',
        WEFT_ADMIN_PORT: admin,
        WEFT_ROUTER_REPLICAS: '3',
        WEFT_ROUTER_REPLICA_INDEX: index,
      });
    expect([replica('2').instanceId, replica('2').adminPort]).toEqual(['r-2', 15002]);
    expect(replica('1', '0').adminPort).toBe(0);
  });

  it('rejects a replica count out of range', () => {
    expect(() => loadEnv(RouterEnv, { WEFT_ROUTER_REPLICAS: '0' })).toThrow(/WEFT_ROUTER_REPLICAS/);
    expect(() => loadEnv(RouterEnv, { WEFT_ROUTER_REPLICAS: '65' })).toThrow(
      /WEFT_ROUTER_REPLICAS/,
    );
  });
});
