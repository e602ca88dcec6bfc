// Unit spec for the KV commit's state machine: each transition, the repair it owes, and the
// transitions a state does not have.
import { describe, expect, it } from '@jest/globals';
import {
  FOLLOWING,
  IllegalTransition,
  nextState,
  type CommitEvent,
  type CommitState,
} from './commit-state.js';

const leading = (keys: string[] = [], history = false): CommitState => ({
  role: 'leading',
  debt: { keys: new Set(keys), history },
});
const stale = (keys: string[] = [], history = false): CommitState => ({
  role: 'stale',
  debt: { keys: new Set(keys), history },
});

/** The state after each event in turn, from `state`. */
const run = (state: CommitState, ...events: CommitEvent[]): CommitState =>
  events.reduce(nextState, state);

describe('commit state', () => {
  it('starts following, owing nothing', () => {
    expect(FOLLOWING).toEqual({ role: 'following' });
  });

  describe('tookOver', () => {
    it('leads, owing what was written after the last marker and any unpublished history', () => {
      expect(nextState(FOLLOWING, { type: 'tookOver', pending: ['service.default.a'] })).toEqual(
        leading(['service.default.a'], true),
      );
    });

    it('adds to what a leader already owes, keeping a stale leader stale', () => {
      expect(nextState(stale(['a']), { type: 'tookOver', pending: ['b'] })).toEqual(
        stale(['a', 'b'], true),
      );
    });
  });

  describe('steppedDown', () => {
    it('follows from any state and forgets what it owed (a new takeover counts afresh)', () => {
      for (const state of [FOLLOWING, leading(['a'], true), stale(['b'], true)])
        expect(nextState(state, { type: 'steppedDown' })).toEqual(FOLLOWING);
    });
  });

  describe('a commit', () => {
    it('that completes pays every debt', () => {
      expect(nextState(leading(['a', 'b'], true), { type: 'committed' })).toEqual(leading());
    });

    it('refused by the lease owes the keys it touched and keeps leading', () => {
      expect(nextState(leading(['a']), { type: 'fenced', touched: ['b'] })).toEqual(
        leading(['a', 'b'], true),
      );
    });

    it('failed in the bucket owes the keys it touched and leaves the leader stale', () => {
      expect(nextState(leading(['a']), { type: 'failed', touched: ['b', 'c'] })).toEqual(
        stale(['a', 'b', 'c'], true),
      );
    });
  });

  describe('resynced', () => {
    it('leads again after the bucket was read, owing what lies past its last marker', () => {
      expect(nextState(stale(['a'], true), { type: 'resynced', pending: ['z'] })).toEqual(
        leading(['a', 'z'], true),
      );
    });
  });

  describe('repair', () => {
    it('pays one key at a time, and the history once discarded', () => {
      expect(
        run(
          leading(['a', 'b'], true),
          { type: 'keyRepaired', key: 'a' },
          { type: 'historyDiscarded' },
        ),
      ).toEqual(leading(['b'], false));
      expect(nextState(stale(['a']), { type: 'keyRepaired', key: 'a' })).toEqual(stale());
    });
  });

  it('a failed commit, a read of the bucket and a complete commit: stale, then leading, then clear', () => {
    const states = [
      { type: 'tookOver', pending: [] },
      { type: 'committed' },
      { type: 'failed', touched: ['a'] },
      { type: 'resynced', pending: ['p'] },
      { type: 'keyRepaired', key: 'p' },
      { type: 'committed' },
    ].reduce<CommitState[]>(
      (seen, event) => [...seen, nextState(seen.at(-1)!, event as CommitEvent)],
      [FOLLOWING],
    );
    expect(states.map((s) => s.role)).toEqual([
      'following',
      'leading',
      'leading',
      'stale',
      'leading',
      'leading',
      'leading',
    ]);
    expect(states.at(-1)).toEqual(leading());
  });

  it.each<[CommitState, CommitEvent]>([
    [FOLLOWING, { type: 'committed' }],
    [FOLLOWING, { type: 'failed', touched: [] }],
    [FOLLOWING, { type: 'fenced', touched: [] }],
    [FOLLOWING, { type: 'resynced', pending: [] }],
    [FOLLOWING, { type: 'keyRepaired', key: 'a' }],
    [FOLLOWING, { type: 'historyDiscarded' }],
    [stale(), { type: 'committed' }],
    [leading(), { type: 'resynced', pending: [] }],
  ])('has no transition from %j on %j', (state, event) => {
    expect(() => nextState(state, event)).toThrow(IllegalTransition);
  });
});
