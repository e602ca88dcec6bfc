// Conditions as evaluated, stamped with when each last changed (Kubernetes `lastTransitionTime`).
import type { Condition, ConditionSummary } from '@app/protocol';

/**
 * A condition keeps its `lastTransitionTime` from `previous` while its status and reason stay the
 * same (a new message alone is no transition); otherwise it changed `now`.
 */
export function stampConditions(
  conditions: readonly ConditionSummary[],
  previous: readonly Condition[] | undefined,
  now: string,
): Condition[] {
  return conditions.map((c): Condition => {
    const old = previous?.find((o) => o.type === c.type);
    const same = old !== undefined && old.status === c.status && old.reason === c.reason;
    return { ...c, lastTransitionTime: same ? old.lastTransitionTime : now };
  });
}
