// Unit spec for SnapshotApplier: each revision ACKed once, a refusal NACKed once per revision and
// reason while the last good table serves, a revision served from disk ACKed once the bucket confirms
// it; and `take`, the one reducer of the changes both followers receive.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { EndpointSet } from '@app/protocol';
import { MeshState, type HeldConfig, type MeshSnapshotData } from './mesh-state.js';
import type { ApplyOutcome, ConfigTarget } from './route-configurator.js';
import { SnapshotApplier } from './snapshot-applier.js';
import type { SnapshotCache } from './snapshot-cache.js';

/** What a follower holds, set by the spec. */
class Held implements HeldConfig {
  revision = 0;
  blockingErrors: string | undefined;

  toMeshState(): MeshState {
    return Object.assign(new MeshState(), { revision: this.revision });
  }

  toData(): MeshSnapshotData {
    return { revision: this.revision, resources: {}, endpointSets: {} };
  }
}

function harness(cached?: MeshSnapshotData) {
  const said: string[] = [];
  let outcome: ApplyOutcome = { ok: true };
  const applied: number[] = [];
  const endpointSets: string[] = [];
  let newHost = false;
  const target: ConfigTarget = {
    applySnapshot: (state) => (applied.push(state.revision), outcome),
    applyEndpoints: (service) => (endpointSets.push(service), newHost),
    release: () => undefined,
  };
  const cache = {
    file: 'mem',
    load: () => Promise.resolve(cached),
    save: () => Promise.resolve(),
  } as unknown as SnapshotCache;
  const held = new Held();
  const applier = new SnapshotApplier({
    target,
    cache,
    events: {
      applied: (r) => said.push(`ACK ${r}`),
      rejected: (r, e) => said.push(`NACK ${r} ${e}`),
      invalid: (key, reason) => said.push(`invalid ${key}: ${reason}`),
    },
    log: pino({ level: 'silent' }),
    held,
  });
  /** The follower holds revision `revision` (blocked: why it cannot form a config) and compiles. */
  const apply = (revision: number, blocked?: string): void => {
    held.revision = revision;
    held.blockingErrors = blocked;
    applier.compile();
  };
  /** The follower read what it needs, holding revision `revision`: the first compile. */
  const begin = (revision: number): void => {
    held.revision = revision;
    applier.start();
  };
  const refuse = (error: string) => (outcome = { ok: false, error });
  const accept = () => (outcome = { ok: true });
  const bringsNewHost = (yes: boolean) => (newHost = yes);
  return { applier, said, applied, endpointSets, begin, apply, refuse, accept, bringsNewHost };
}

describe('SnapshotApplier', () => {
  it('ACKs each revision once, however often it is built', () => {
    const { applier, said, begin, apply } = harness();
    begin(1);
    apply(1);
    apply(2);
    expect(said).toEqual(['ACK 1', 'ACK 2']);
    expect([applier.hasConfig, applier.revision]).toEqual([true, 2]);
    applier.stop();
  });

  it('compiles nothing before the follower starts it, then compiles at once', () => {
    const { applier, applied, apply } = harness();
    apply(3);
    expect([applied, applier.hasConfig]).toEqual([[], false]);
    applier.start();
    applier.start();
    expect(applied).toEqual([3]);
    applier.stop();
  });

  it('NACKs a refused revision once per reason, keeps the last good one, and ACKs its fix', () => {
    const { applier, said, applied, begin, apply, refuse, accept } = harness();
    begin(1);
    refuse('bad route');
    apply(2);
    apply(2);
    apply(2, 'dst.default.b: invalid');
    // A blocked revision is not even built.
    expect(applied).toEqual([1, 2, 2]);
    accept();
    apply(2);
    expect(said).toEqual(['ACK 1', 'NACK 2 bad route', 'NACK 2 dst.default.b: invalid', 'ACK 2']);
    expect(applier.revision).toBe(2);
    applier.stop();
  });

  it('serves the disk copy at start, and ACKs its revision once the bucket confirms it', async () => {
    const { applier, said, begin } = harness({ revision: 7, resources: {}, endpointSets: {} });
    expect((await applier.loadCache())?.revision).toBe(7);
    expect([applier.hasConfig, said]).toEqual([true, []]);
    begin(7);
    expect(said).toEqual(['ACK 7']);
    applier.stop();
  });

  describe('take', () => {
    const set = Object.assign(new EndpointSet(), { namespace: 'shop', service: 'api' });

    it('reports an invalid value with its key', () => {
      const { applier, said } = harness();
      applier.take({ kind: 'invalid', key: 'dst.shop.api', reason: 'bad' });
      expect(said).toEqual(['invalid dst.shop.api: bad']);
    });

    it('applies endpoint sets in place once started, and compiles when one brings a new host', () => {
      const { applier, applied, endpointSets, bringsNewHost } = harness();
      applier.take({ kind: 'endpoints', service: 'shop/api', set });
      expect(endpointSets).toEqual([]);
      applier.start();
      applier.take({ kind: 'endpoints', service: 'shop/api', set });
      expect([endpointSets, applied]).toEqual([['shop/api'], [0]]);
      bringsNewHost(true);
      applier.take({ kind: 'endpoints', service: 'shop/web', set: undefined });
      expect([endpointSets, applied]).toEqual([
        ['shop/api', 'shop/web'],
        [0, 0],
      ]);
      applier.stop();
    });

    it('retries a refused revision as soon as a resource changes, and only then', () => {
      const { applier, said, applied, apply, refuse, accept } = harness();
      applier.start();
      apply(1);
      // A changed resource of an applied revision waits for the next marker.
      applier.take({ kind: 'resources' });
      expect(applied).toEqual([0, 1]);
      refuse('bad route');
      apply(2);
      accept();
      applier.take({ kind: 'resources', service: 'shop/api' });
      expect(applied).toEqual([0, 1, 2, 2]);
      expect(said.slice(-2)).toEqual(['NACK 2 bad route', 'ACK 2']);
      applier.take({ kind: 'resources' });
      expect(applied).toEqual([0, 1, 2, 2]);
      applier.stop();
    });
  });
});
