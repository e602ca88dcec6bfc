// Unit spec for SnapshotApplier: each revision ACKed once, a refusal NACKed once per revision and
// reason while the last good table serves, a revision served from disk ACKed once the bucket confirms it.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { MeshState, type MeshSnapshotData } from './mesh-state.js';
import type { ApplyOutcome, RouteConfigurator } from './route-configurator.js';
import { SnapshotApplier } from './snapshot-applier.js';
import type { SnapshotCache } from './snapshot-cache.js';

function harness(cached?: MeshSnapshotData) {
  const said: string[] = [];
  let outcome: ApplyOutcome = { ok: true };
  const applied: number[] = [];
  const configurator = {
    applySnapshot: (state: MeshState) => (applied.push(state.revision), outcome),
  } as unknown as RouteConfigurator;
  const cache = {
    file: 'mem',
    load: () => Promise.resolve(cached),
    save: () => Promise.resolve(),
  } as unknown as SnapshotCache;
  const applier = new SnapshotApplier(
    configurator,
    cache,
    {
      applied: (r) => said.push(`ACK ${r}`),
      rejected: (r, e) => said.push(`NACK ${r} ${e}`),
      invalid: () => undefined,
    },
    pino({ level: 'silent' }),
    () => ({ revision: 0, resources: {}, endpointSets: {} }),
  );
  const state = (revision: number) => () => Object.assign(new MeshState(), { revision });
  const refuse = (error: string) => (outcome = { ok: false, error });
  const accept = () => (outcome = { ok: true });
  return { applier, said, applied, state, refuse, accept };
}

describe('SnapshotApplier', () => {
  it('ACKs each revision once, however often it is built', () => {
    const { applier, said, state } = harness();
    applier.apply(1, state(1), undefined);
    applier.apply(1, state(1), undefined);
    applier.apply(2, state(2), undefined);
    expect(said).toEqual(['ACK 1', 'ACK 2']);
    expect([applier.hasConfig, applier.revision]).toEqual([true, 2]);
    applier.stop();
  });

  it('NACKs a refused revision once per reason, keeps the last good one, and ACKs its fix', () => {
    const { applier, said, applied, state, refuse, accept } = harness();
    applier.apply(1, state(1), undefined);
    refuse('bad route');
    applier.apply(2, state(2), undefined);
    applier.apply(2, state(2), undefined);
    expect(applier.rejectedRevision).toBe(2);
    applier.apply(2, state(2), 'dst.default.b: invalid');
    // A blocked revision is not even built.
    expect(applied).toEqual([1, 2, 2]);
    accept();
    applier.apply(2, state(2), undefined);
    expect(said).toEqual(['ACK 1', 'NACK 2 bad route', 'NACK 2 dst.default.b: invalid', 'ACK 2']);
    expect([applier.revision, applier.rejectedRevision]).toEqual([2, -1]);
    applier.stop();
  });

  it('serves the disk copy at start, and ACKs its revision once the bucket confirms it', async () => {
    const { applier, said, state } = harness({ revision: 7, resources: {}, endpointSets: {} });
    expect((await applier.loadCache())?.revision).toBe(7);
    expect([applier.hasConfig, said]).toEqual([true, []]);
    applier.apply(7, state(7), undefined);
    expect(said).toEqual(['ACK 7']);
    applier.stop();
  });
});
