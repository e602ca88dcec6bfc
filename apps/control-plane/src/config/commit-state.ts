// The KV commit's states: following the bucket, leading (writing it), or stale (leading, with the
// bucket to read again before the next commit), and the repair a leader owes; every transition named.

/** What failed or unfinished commits may have left in the buckets: repaired before the next marker. */
export interface RepairDebt {
  /** Keys whose value may differ from the desired state in memory: rewritten (or deleted) from it. */
  readonly keys: ReadonlySet<string>;
  /** History entries past the current revision may exist (claimed by commits never published). */
  readonly history: boolean;
}

export type CommitState =
  /** Another replica writes: the bucket's watch folds each complete revision into memory. */
  | { readonly role: 'following' }
  /** This replica writes, and ignores the watch: its memory is the truth. */
  | { readonly role: 'leading'; readonly debt: RepairDebt }
  /**
   * Leading, but a write was refused or failed: the bucket may hold what memory does not (a former
   * leader's late write). It is read again before anything is planned against it.
   */
  | { readonly role: 'stale'; readonly debt: RepairDebt };

export type CommitEvent =
  /** following → leading: the keys written after the last marker belong to no revision. */
  | { readonly type: 'tookOver'; readonly pending: Iterable<string> }
  /** any → following: another replica leads (the bucket is read afresh). */
  | { readonly type: 'steppedDown' }
  /** leading → leading: a revision's marker is written; every key it owed is written too. */
  | { readonly type: 'committed' }
  /** leading → leading: the lease was gone mid-commit; the keys it touched are owed. */
  | { readonly type: 'fenced'; readonly touched: Iterable<string> }
  /** leading → stale: the bucket refused or failed a write; the keys the commit touched are owed. */
  | { readonly type: 'failed'; readonly touched: Iterable<string> }
  /** stale → leading: the bucket was read again; what lies past its last marker is owed. */
  | { readonly type: 'resynced'; readonly pending: Iterable<string> }
  /** One owed key was rewritten from memory. */
  | { readonly type: 'keyRepaired'; readonly key: string }
  /** History entries past the current revision were removed. */
  | { readonly type: 'historyDiscarded' };

export const FOLLOWING: CommitState = { role: 'following' };

const NO_DEBT: RepairDebt = { keys: new Set(), history: false };

/** A commit state machine's caller broke its contract (a transition its state does not have). */
export class IllegalTransition extends Error {}

/** The state `event` leads to from `state`; throws IllegalTransition for one it does not have. */
export function nextState(state: CommitState, event: CommitEvent): CommitState {
  if (event.type === 'steppedDown') return FOLLOWING;
  if (state.role === 'following') {
    // A follower writes nothing, so owes nothing: a takeover counts what it finds afresh.
    if (event.type === 'tookOver') return owing('leading', NO_DEBT, event.pending);
    throw illegal(state, event);
  }
  const { role, debt } = state;
  switch (event.type) {
    case 'tookOver':
    case 'fenced':
      return owing(role, debt, event.type === 'tookOver' ? event.pending : event.touched);
    case 'failed':
      return owing('stale', debt, event.touched);
    case 'resynced':
      if (role !== 'stale') throw illegal(state, event);
      return owing('leading', debt, event.pending);
    case 'committed':
      if (role !== 'leading') throw illegal(state, event);
      return { role, debt: NO_DEBT };
    case 'keyRepaired': {
      const keys = new Set(debt.keys);
      keys.delete(event.key);
      return { role, debt: { ...debt, keys } };
    }
    case 'historyDiscarded':
      return { role, debt: { ...debt, history: false } };
  }
}

/** `debt` plus `keys`, with history entries past the revision possibly left as well. */
function owing(role: 'leading' | 'stale', debt: RepairDebt, keys: Iterable<string>): CommitState {
  return { role, debt: { keys: new Set([...debt.keys, ...keys]), history: true } };
}

function illegal(state: CommitState, event: CommitEvent): IllegalTransition {
  return new IllegalTransition(`config commit: no transition ${event.type} while ${state.role}`);
}
