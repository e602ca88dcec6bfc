// Rules that never decide a request because an earlier rule matches every request they match:
// what `weft check` reports. Sound, not complete: a rule reported is hidden on every workload it
// applies to; a hidden rule may go unreported (see `ruleCovers`).
import type { FieldError } from '../field-error.js';
import type {
  AuthorizationAction,
  AuthorizationOperation,
  AuthorizationPolicy,
  AuthorizationRule,
  AuthorizationSource,
} from '../resources/authorization-policy.dto.js';
import { ROOT_NAMESPACE } from '../resources/peer-authentication.dto.js';
import { serviceKey } from '../service-key.js';
import { parseConditionKey, type AttributeKind } from './match-values.js';
import { patternOf } from './policy-check.js';
import { inEvaluationOrder } from './workload-selection.js';
import { patternCovers, patternMatches, type ValuePattern } from './value-pattern.js';

interface RuleRef {
  readonly policy: AuthorizationPolicy;
  readonly index: number;
  readonly rule: AuthorizationRule;
}

/**
 * Every rule hidden by an earlier one, and every DENY or AUDIT policy without rules (it denies or
 * audits nothing), as `{resource, path, message}`. Rules are taken in the order the data plane
 * evaluates them: the root namespace's policies first, then by namespace/name, rules in order; every DENY rule counts as earlier
 * than every ALLOW rule. Rule B is hidden by rule A when:
 * - A is earlier, with the same action; or A is a DENY and B an ALLOW (B then allows nothing);
 * - A applies to every workload B applies to: same namespace, or A in the root namespace, and A's
 *   selector labels a subset of B's;
 * - A matches every request B matches (`ruleCovers`).
 */
export function hiddenRules(policies: readonly AuthorizationPolicy[]): FieldError[] {
  const ordered = inEvaluationOrder(policies);
  const findings: FieldError[] = [];
  const refs = ordered.flatMap((policy) =>
    (policy.spec.rules ?? []).map((rule, index): RuleRef => ({ policy, index, rule })),
  );
  const denies = refs.filter((r) => r.policy.spec.action === 'DENY');
  refs.forEach((inner, position) => {
    const action = inner.policy.spec.action;
    const earlier = refs.slice(0, position).filter((r) => r.policy.spec.action === action);
    const candidates = action === 'ALLOW' ? [...denies, ...earlier] : earlier;
    const by = candidates.find(
      (outer) => scopeCovers(outer.policy, inner.policy) && ruleCovers(outer.rule, inner.rule),
    );
    if (by) findings.push(finding(inner, by));
  });
  for (const policy of ordered) {
    const action = policy.spec.action;
    if (action !== 'ALLOW' && !policy.spec.rules?.length) {
      findings.push({
        resource: resourceOf(policy),
        path: 'spec.rules',
        message: `a ${action} policy without rules ${action === 'DENY' ? 'denies' : 'audits'} nothing`,
      });
    }
  }
  return findings;
}

function finding(inner: RuleRef, by: RuleRef): FieldError {
  const outerAction = by.policy.spec.action;
  const name = `AuthorizationPolicy ${nameOf(by.policy)} rule ${by.index} (${outerAction})`;
  const never: Record<AuthorizationAction, string> = {
    ALLOW: 'allows',
    DENY: 'denies',
    AUDIT: 'audits',
  };
  const message =
    inner.policy.spec.action === 'ALLOW' && outerAction === 'DENY'
      ? `never allows a request: ${name} matches every request it matches, and DENY policies are evaluated first`
      : `is hidden by ${name}, which matches every request it matches: it never ${never[inner.policy.spec.action]} a request itself`;
  return { resource: resourceOf(inner.policy), path: `spec.rules[${inner.index}]`, message };
}

function nameOf(policy: AuthorizationPolicy): string {
  return serviceKey(policy.metadata.namespace, policy.metadata.name);
}

function resourceOf(policy: AuthorizationPolicy): string {
  return `AuthorizationPolicy/${nameOf(policy)}`;
}

/** `outer` applies to every workload `inner` applies to. */
function scopeCovers(outer: AuthorizationPolicy, inner: AuthorizationPolicy): boolean {
  const ns = outer.metadata.namespace;
  if (ns !== inner.metadata.namespace && ns !== ROOT_NAMESPACE) return false;
  const wanted = outer.spec.selector?.matchLabels ?? {};
  const held = inner.spec.selector?.matchLabels ?? {};
  return Object.entries(wanted).every(([k, v]) => Object.hasOwn(held, k) && held[k] === v);
}

/**
 * Whether `outer` matches every request `inner` matches, field by field: each source (operation)
 * of `inner` covered by one of `outer`'s, each condition of `outer` implied by one of `inner`'s on
 * the same key. Not seen: a rule covered only by several rules together, a field covered by another
 * field (`principals` and a `source.principal` condition), and the workload's port.
 */
export function ruleCovers(outer: AuthorizationRule, inner: AuthorizationRule): boolean {
  return (
    listCovers(outer.from, inner.from, (o, i) => sourceCovers(o.source, i.source)) &&
    listCovers(outer.to, inner.to, (o, i) => operationCovers(o.operation, i.operation)) &&
    (outer.when ?? []).every((o) => {
      const attribute = conditionAttribute(o.key);
      return (inner.when ?? []).some(
        (i) =>
          attribute !== undefined &&
          conditionAttribute(i.key)?.id === attribute.id &&
          fieldImplies(attribute.kind, i.values, i.notValues, o.values, o.notValues),
      );
    })
  );
}

/** An absent outer list matches anything; an absent inner one is matched only by that. */
function listCovers<T>(
  outer: readonly T[] | undefined,
  inner: readonly T[] | undefined,
  covers: (o: T, i: T) => boolean,
): boolean {
  if (outer === undefined) return true;
  if (inner === undefined) return false;
  return inner.every((i) => outer.some((o) => covers(o, i)));
}

function sourceCovers(outer: AuthorizationSource, inner: AuthorizationSource): boolean {
  return (
    fieldImplies(
      'principal',
      inner.principals,
      inner.notPrincipals,
      outer.principals,
      outer.notPrincipals,
    ) &&
    fieldImplies(
      'namespace',
      inner.namespaces,
      inner.notNamespaces,
      outer.namespaces,
      outer.notNamespaces,
    )
  );
}

function operationCovers(outer: AuthorizationOperation, inner: AuthorizationOperation): boolean {
  return (
    fieldImplies('host', inner.hosts, inner.notHosts, outer.hosts, outer.notHosts) &&
    fieldImplies('port', inner.ports, inner.notPorts, outer.ports, outer.notPorts) &&
    fieldImplies('method', inner.methods, inner.notMethods, outer.methods, outer.notMethods) &&
    fieldImplies('path', inner.paths, inner.notPaths, outer.paths, outer.notPaths)
  );
}

/**
 * Whether every value the inner field (values, notValues) lets through, the outer one does too:
 * each inner value covered by an outer value (when the outer lists values), and each outer
 * not-value covered by an inner not-value, or matching none of the inner (exact) values.
 */
function fieldImplies(
  kind: AttributeKind,
  innerValues: readonly unknown[] | undefined,
  innerNot: readonly unknown[] | undefined,
  outerValues: readonly unknown[] | undefined,
  outerNot: readonly unknown[] | undefined,
): boolean {
  const iPos = patterns(kind, innerValues);
  const iNeg = patterns(kind, innerNot);
  const oPos = patterns(kind, outerValues);
  const oNeg = patterns(kind, outerNot);
  if (oPos.length > 0) {
    if (iPos.length === 0 || !iPos.every((p) => oPos.some((o) => patternCovers(o, p))))
      return false;
  }
  return oNeg.every(
    (n) =>
      iNeg.some((i) => patternCovers(i, n)) ||
      (iPos.length > 0 && iPos.every((p) => p.kind === 'exact' && !patternMatches(n, p.text))),
  );
}

function patterns(kind: AttributeKind, values: readonly unknown[] | undefined): ValuePattern[] {
  return (values ?? []).map((v) => patternOf(kind, v));
}

/** The attribute a condition reads, with an `id` two keys share when they read the same one. */
function conditionAttribute(key: string): { kind: AttributeKind; id: string } | undefined {
  const attribute = parseConditionKey(key);
  if ('error' in attribute) return undefined;
  const id = attribute.kind === 'header' ? `header ${attribute.name}` : attribute.kind;
  return { kind: attribute.kind, id };
}
