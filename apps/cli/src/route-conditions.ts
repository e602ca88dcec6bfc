// How the CLI shows status conditions (HTTPRoutes, TrafficPolicies): apply notices and the STATUS column of `weft get`.
import type { Condition, ConditionSummary } from '@app/protocol';
import { NONE } from './output.js';

/** `! ResolvedRefs=False (BackendNotFound): rule 0 backend b-v3 not found`, to print indented. */
export function conditionLine(c: ConditionSummary): string {
  return `! ${c.type}=${c.status} (${c.reason}): ${c.message}`;
}

/**
 * `Accepted` when every condition of every route parent (policy ancestor) is True; otherwise each
 * failing condition once, `Accepted=False,ResolvedRefs=False`. NONE when the control plane has
 * computed no status yet.
 */
export function statusSummary(
  parents: readonly { readonly conditions: readonly Condition[] }[] | undefined,
): string {
  if (parents === undefined) return NONE;
  const failing = parents.flatMap((p) =>
    p.conditions.filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.status}`),
  );
  if (failing.length > 0) return [...new Set(failing)].join(',');
  return parents.length > 0 ? 'Accepted' : 'NotAttached';
}
