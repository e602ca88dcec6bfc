// Unit spec for the apply plan: actions, writes, prune, unchanged applies, projections, history entry
// and marker of a revision, deletes and rollbacks, all decided without I/O.
import { describe, expect, it } from '@jest/globals';
import {
  keyOf,
  parseResource,
  PROTOCOL_VERSION,
  type ConfigSource,
  type HistoryEntry,
  type Resource,
} from '@app/protocol';
import {
  configEntryOf,
  diffBatch,
  planApply,
  planRemove,
  planRollback,
  resultOf,
  type ApplyPlan,
  type DesiredState,
  type RevisionPlan,
} from './apply-plan.js';
import { service } from './config-fixtures.fake.js';
import type { Stored } from './config-view.js';
import { projectDestinations } from './destination-projection.js';

function resource(raw: Record<string, unknown>): Resource {
  const r = parseResource(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const route = (name: string, parent: string, backend: string): Resource =>
  resource({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name },
    spec: {
      parentRefs: [{ kind: 'Service', name: parent }],
      rules: [{ backendRefs: [{ name: backend }] }],
    },
  });

/** A resource as JSON carries it. */
const plain = (r: Resource): Record<string, unknown> =>
  JSON.parse(JSON.stringify(r)) as Record<string, unknown>;

const stored = (r: Resource, source: ConfigSource = 'api'): [string, Stored] => [
  keyOf(r),
  { resource: r, source, json: JSON.stringify(r) },
];

/** A committed state holding `entries`, its projections as the bucket would hold them. */
function state(revision: number, ...entries: [string, Stored][]): DesiredState {
  const desired = new Map(entries);
  return { revision, desired, projections: projectDestinations(desired) };
}

const NOW = 1_700_000_000_000;

function revision(plan: ApplyPlan | undefined): RevisionPlan {
  if (!plan?.changed) throw new Error('expected a new revision');
  return plan;
}

describe('diffBatch', () => {
  const a1 = service('a', 'one');
  const current = new Map([stored(a1), stored(service('x'), 'dir')]);

  it('names each resource created, configured or unchanged, with it before and after', () => {
    const a2 = service('a', 'two');
    const diff = diffBatch(
      current,
      [
        { resource: a2, source: 'api' },
        { resource: service('b'), source: 'api' },
      ],
      undefined,
    );
    expect(diff.results.map((r) => [r.resource, r.action])).toEqual([
      ['Service/default/a', 'configured'],
      ['Service/default/b', 'created'],
    ]);
    expect(diff.results[0]).toMatchObject({ before: a1, after: a2 });
    expect(diff.puts.map(([key]) => key)).toEqual(['service.default.a', 'service.default.b']);
    expect(diff.deletes).toEqual([]);
  });

  it('writes nothing for a resource whose JSON is what is stored, whichever source sends it', () => {
    const diff = diffBatch(current, [{ resource: service('a', 'one'), source: 'cli' }], undefined);
    expect(diff.results.map((r) => r.action)).toEqual(['unchanged']);
    expect(diff.puts).toEqual([]);
  });

  it('prunes what the source owns and the batch lacks, or everything with `all`', () => {
    expect(diffBatch(current, [], 'dir').deletes).toEqual(['service.default.x']);
    expect(diffBatch(current, [], 'cli').deletes).toEqual([]);
    expect(diffBatch(current, [], 'all').deletes).toEqual([
      'service.default.a',
      'service.default.x',
    ]);
    expect(diffBatch(current, [], 'dir').results).toEqual([
      {
        resource: 'Service/default/x',
        action: 'deleted',
        before: current.get('service.default.x')!.resource,
      },
    ]);
  });
});

describe('planApply', () => {
  it('is no revision when every resource is unchanged and nothing is pruned', () => {
    const s = state(4, stored(service('a')), stored(service('b'), 'dir'));
    const plan = planApply(
      s,
      { batch: [service('a'), service('b')], source: 'cli', prune: true, author: 'bob' },
      NOW,
    );
    expect(plan).toEqual({
      changed: false,
      revision: 4,
      results: [
        expect.objectContaining({ resource: 'Service/default/a', action: 'unchanged' }),
        expect.objectContaining({ resource: 'Service/default/b', action: 'unchanged' }),
      ],
    });
    expect(resultOf(plan)).toEqual({
      revision: 4,
      changed: false,
      results: [
        { resource: 'Service/default/a', action: 'unchanged' },
        { resource: 'Service/default/b', action: 'unchanged' },
      ],
    });
  });

  it('plans the next revision: resource entries, the state it leaves, history and marker', () => {
    const s = state(4, stored(service('a')), stored(service('old'), 'cli'));
    const plan = revision(
      planApply(
        s,
        { batch: [service('a'), service('b')], source: 'cli', prune: true, author: 'bob' },
        NOW,
      ),
    );
    expect(plan).toMatchObject({ revision: 5, source: 'cli', author: 'bob', appliedAt: NOW });
    expect(plan.puts.map(([key]) => key)).toEqual(['service.default.b']);
    expect(plan.deletes).toEqual(['service.default.old']);
    expect([...plan.desired.keys()].sort()).toEqual(['service.default.a', 'service.default.b']);
    expect(plan.history).toEqual({
      v: PROTOCOL_VERSION,
      revision: 5,
      source: 'cli',
      author: 'bob',
      appliedAt: NOW,
      changes: [
        { resource: 'Service/default/b', action: 'created' },
        { resource: 'Service/default/old', action: 'deleted' },
      ],
      resources: {
        'service.default.a': { source: 'api', resource: plain(service('a')) },
        'service.default.b': { source: 'cli', resource: plain(service('b')) },
      },
    });
    expect(plan.marker).toEqual({
      v: PROTOCOL_VERSION,
      revision: 5,
      source: 'cli',
      appliedAt: NOW,
      author: 'bob',
    });
    expect(resultOf(plan)).toEqual({
      revision: 5,
      changed: true,
      results: [
        { resource: 'Service/default/a', action: 'unchanged' },
        { resource: 'Service/default/b', action: 'created' },
        { resource: 'Service/default/old', action: 'deleted' },
      ],
    });
  });

  it('writes only the projections that differ from what the bucket holds, and deletes those gone', () => {
    const s = state(1, stored(service('a')), stored(service('b')), stored(route('to-a', 'a', 'a')));
    const plan = revision(
      planApply(
        s,
        { batch: [route('to-a', 'a', 'b')], source: 'api', prune: false, author: 'x' },
        NOW,
      ),
    );
    expect(plan.projections.puts.map(([key]) => key)).toEqual(['dst.default.a']);
    expect(JSON.parse(plan.projections.puts[0][1])).toMatchObject({
      service: 'a',
      resources: [
        {
          key: 'httproute.default.to-a',
          resource: { spec: { rules: [{ backendRefs: [{ name: 'b' }] }] } },
        },
        { key: 'service.default.a' },
      ],
    });
    expect(plan.projections.deletes).toEqual([]);
    const removal = revision(
      planApply(s, { batch: [service('a')], source: 'api', prune: true, author: 'x' }, NOW),
    );
    expect(removal.projections.deletes).toEqual(['dst.default.b']);
  });

  it('runs the endpoint hook only when a Service is added, changed or deleted', () => {
    const s = state(1, stored(service('a')));
    const apply = (batch: Resource[], prune = false) =>
      revision(planApply(s, { batch, source: 'api', prune, author: 'x' }, NOW)).servicesChange;
    expect(apply([route('r', 'a', 'a')])).toBe(false);
    expect(apply([service('b')])).toBe(true);
    expect(apply([service('a', 'other')])).toBe(true);
    expect(apply([route('r', 'a', 'a')], true)).toBe(true);
  });
});

describe('planRemove', () => {
  it('is undefined for a key no resource has (the admin API answers 404)', () => {
    expect(
      planRemove(state(2, stored(service('a'))), 'service.default.nope', 'x', NOW),
    ).toBeUndefined();
  });

  it('deletes one resource as a revision of the admin API', () => {
    const plan = revision(
      planRemove(state(2, stored(service('a'), 'dir')), 'service.default.a', 'eve', NOW),
    );
    expect(plan).toMatchObject({
      revision: 3,
      source: 'api',
      author: 'eve',
      deletes: ['service.default.a'],
      puts: [],
    });
    expect(plan.history.changes).toEqual([{ resource: 'Service/default/a', action: 'deleted' }]);
  });
});

describe('planRollback', () => {
  const entry = (resources: HistoryEntry['resources']): HistoryEntry => ({
    v: PROTOCOL_VERSION,
    revision: 1,
    source: 'api',
    author: 'alice',
    appliedAt: NOW - 1,
    changes: [],
    resources,
  });
  const owned = (r: Resource, source: ConfigSource) => ({ source, resource: plain(r) });

  it('restores the recorded state, each resource with its owner then, as a new revision', () => {
    const s = state(3, stored(service('a', 'two')), stored(service('b')));
    const result = planRollback(
      s,
      entry({ 'service.default.a': owned(service('a', 'one'), 'dir') }),
      'carol',
      NOW,
    );
    if (!result.ok) throw new Error('expected a plan');
    const plan = revision(result.value);
    expect(plan).toMatchObject({
      revision: 4,
      author: 'carol (rollback to 1)',
      deletes: ['service.default.b'],
    });
    expect(plan.puts).toEqual([['service.default.a', expect.objectContaining({ source: 'dir' })]]);
  });

  it('is no revision when the recorded state is the current one', () => {
    const s = state(3, stored(service('a')));
    const result = planRollback(
      s,
      entry({ 'service.default.a': owned(service('a'), 'api') }),
      'carol',
      NOW,
    );
    expect(result).toMatchObject({ ok: true, value: { changed: false, revision: 3 } });
  });

  it('fails naming every resource of the entry that no longer validates', () => {
    const s = state(3, stored(service('a')));
    const result = planRollback(
      s,
      entry({
        'service.default.bad': {
          source: 'api',
          resource: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'Bad_Name' }, spec: {} },
        },
      }),
      'carol',
      NOW,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      expect.objectContaining({ resource: 'Service/default/Bad_Name', path: 'metadata.name' }),
    ]);
  });
});

describe('configEntryOf', () => {
  it('stamps the stored JSON with the revision, owner and time that write it', () => {
    const [, s] = stored(service('a'), 'dir');
    expect(configEntryOf(s, 7, NOW)).toEqual({
      v: PROTOCOL_VERSION,
      revision: 7,
      source: 'dir',
      appliedAt: NOW,
      resource: plain(service('a')),
    });
  });
});
