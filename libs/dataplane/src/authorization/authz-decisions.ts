// Authorization decisions counted by decision and policy (`weft_authz_decisions_total`): one cell
// per (decision, policy) of the config, kept across recompiles so a counter never goes back.

export type AuthzDecision = 'allow' | 'deny' | 'audit';

/** What a decision counts under when no policy decided it (no ALLOW policy, or none matched). */
export const NO_POLICY = 'none';

export class DecisionCounter {
  count = 0;

  constructor(
    readonly decision: AuthzDecision,
    /** `<namespace>/<name>`, or `none`. */
    readonly policy: string,
  ) {}
}

export class AuthzDecisions {
  private readonly cells = new Map<string, DecisionCounter>();

  /** The cell of (decision, policy), made once. */
  counter(decision: AuthzDecision, policy: string): DecisionCounter {
    const key = `${decision} ${policy}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = new DecisionCounter(decision, policy);
      this.cells.set(key, cell);
    }
    return cell;
  }

  /** Keeps the cells the running config uses; the others (deleted policies) go. */
  retain(used: ReadonlySet<DecisionCounter>): void {
    for (const [key, cell] of this.cells) if (!used.has(cell)) this.cells.delete(key);
  }

  all(): IterableIterator<DecisionCounter> {
    return this.cells.values();
  }
}
