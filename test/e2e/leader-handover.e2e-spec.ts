// Control plane leader handover on SIGTERM: the leader resigns its lease, and a follower takes it
// over at once instead of waiting for it to run out.
import { json } from '../support/admin-client.js';
import { Mesh } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

// A lease TTL of 2 min, four times the wait below: a follower that leads within it took over a
// lease its leader gave up, not one that ran out.
const LEASE_TTL_MS = 120_000;
const HANDOVER_WITHIN_MS = 30_000;

describe('control plane leader handover on SIGTERM', () => {
  let mesh: Mesh;

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlanes(2, { WEFT_LEADER_TTL_MS: String(LEASE_TTL_MS) });
  });

  afterAll(() => mesh.stop());

  it('is at once: the leader resigns, the follower takes over without waiting out the lease', async () => {
    const leader = await mesh.leader();
    const follower = mesh.controlPlanes.find((c) => c !== leader)!;
    leader.proc.signal('SIGTERM');
    await waitFor(
      'the follower to lead',
      async () =>
        (await json<{ role: string }>(`${follower.url}/v1/leader`)).role === 'leader'
          ? true
          : undefined,
      HANDOVER_WITHIN_MS,
    );
    await leader.proc.exited;
    expect(leader.proc.logs().some((l) => l.includes('"resigned leadership"'))).toBe(true);
  });
});
