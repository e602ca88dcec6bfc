// The AuthorizationPolicies of one workload compiled once per config into matchers, and Istio's
// evaluation: any DENY match denies; else, when an ALLOW policy applies, one must match; AUDIT
// only marks. Deciding a request allocates nothing.
import {
  inEvaluationOrder,
  parseConditionKey,
  patternOf,
  policySelects,
  serviceKey,
  type AttributeKind,
  type AuthorizationCondition,
  type AuthorizationOperation,
  type AuthorizationPolicy,
  type AuthorizationRule,
  type AuthorizationSource,
} from '@app/protocol';
import type { AuthzRequest } from './authz-request.js';
import {
  DecisionCounter,
  NO_POLICY,
  type AuthzDecision,
  type AuthzDecisions,
} from './authz-decisions.js';
import { anyMatches, regionMatcher, type RegionMatcher } from './region-matcher.js';

/** The workload whose inbound requests are authorized. */
export interface AuthzWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Its app's port: `ports` and `destination.port` compare with it, on HTTP and on the bus alike. */
  readonly port: number;
}

/** The outcome for a request, made once per rule when the config is compiled. */
export interface AuthzVerdict {
  readonly allowed: boolean;
  /** `<namespace>/<name>` of the deciding policy; `none` when no policy decided. */
  readonly policy: string;
  /** What decided, for the answer's message and the access log. */
  readonly reason: string;
  readonly counter: DecisionCounter;
}

type Match = (r: AuthzRequest) => boolean;

const ALWAYS: Match = () => true;
const NEVER: Match = () => false;

interface CompiledRule {
  readonly match: Match;
  readonly verdict: AuthzVerdict;
}

export class Authorizer {
  constructor(
    /** False when no policy applies to the workload: nothing to check, nothing counted. */
    readonly active: boolean,
    private readonly deny: readonly CompiledRule[],
    private readonly allow: readonly CompiledRule[],
    private readonly audits: readonly CompiledRule[],
    /** The decision when no DENY rule matched and no ALLOW rule did either. */
    private readonly fallback: AuthzVerdict,
    /** Every counter this authorizer counts in. */
    readonly counters: ReadonlySet<DecisionCounter>,
  ) {}

  /** DENY rules first (the first match denies), then ALLOW rules, else the fallback. */
  decide(r: AuthzRequest): AuthzVerdict {
    const deny = this.deny;
    for (let i = 0; i < deny.length; i++) if (deny[i].match(r)) return deny[i].verdict;
    const allow = this.allow;
    for (let i = 0; i < allow.length; i++) if (allow[i].match(r)) return allow[i].verdict;
    return this.fallback;
  }

  /** The first AUDIT rule the request matches; it changes no decision. */
  audit(r: AuthzRequest): AuthzVerdict | undefined {
    const audits = this.audits;
    for (let i = 0; i < audits.length; i++) if (audits[i].match(r)) return audits[i].verdict;
    return undefined;
  }

  get audited(): boolean {
    return this.audits.length > 0;
  }
}

/** The authorizer of a workload with no policy at all: every request passes unchecked. */
export const NO_AUTHORIZATION = new Authorizer(
  false,
  [],
  [],
  [],
  {
    allowed: true,
    policy: NO_POLICY,
    reason: '',
    counter: new DecisionCounter('allow', NO_POLICY),
  },
  new Set(),
);

/**
 * The policies among `policies` that apply to `workload` (namespace and selector), compiled in
 * evaluation order (root namespace first, then namespace/name; rules in order): the order a
 * decision names its policy in.
 */
export function compileAuthorizer(
  policies: readonly AuthorizationPolicy[],
  workload: AuthzWorkload,
  decisions: AuthzDecisions,
): Authorizer {
  const applying = inEvaluationOrder(
    policies.filter((p) => policySelects(p, workload.namespace, workload.labels)),
  );
  if (applying.length === 0) return NO_AUTHORIZATION;
  const counters = new Set<DecisionCounter>();
  const counter = (decision: AuthzDecision, policy: string): DecisionCounter => {
    const cell = decisions.counter(decision, policy);
    counters.add(cell);
    return cell;
  };
  const rulesOf = (action: AuthorizationPolicy['spec']['action']): CompiledRule[] =>
    applying
      .filter((p) => p.spec.action === action)
      .flatMap((p) => compileRules(p, workload.port, counter));
  const allowPolicies = applying.filter((p) => p.spec.action === 'ALLOW').map(nameOf);
  const fallback: AuthzVerdict =
    allowPolicies.length === 0
      ? { allowed: true, policy: NO_POLICY, reason: '', counter: counter('allow', NO_POLICY) }
      : {
          allowed: false,
          policy: NO_POLICY,
          reason: `no ALLOW rule matches (AuthorizationPolicy ${allowPolicies.join(', ')} ${allowPolicies.length === 1 ? 'applies' : 'apply'} to this workload)`,
          counter: counter('deny', NO_POLICY),
        };
  return new Authorizer(
    true,
    rulesOf('DENY'),
    rulesOf('ALLOW'),
    rulesOf('AUDIT'),
    fallback,
    counters,
  );
}

function nameOf(policy: AuthorizationPolicy): string {
  return serviceKey(policy.metadata.namespace, policy.metadata.name);
}

/** A policy's rules that can match on this workload, each with its verdict. */
function compileRules(
  policy: AuthorizationPolicy,
  port: number,
  counter: (decision: AuthzDecision, policy: string) => DecisionCounter,
): CompiledRule[] {
  const name = nameOf(policy);
  const action = policy.spec.action;
  const decision: AuthzDecision =
    action === 'DENY' ? 'deny' : action === 'AUDIT' ? 'audit' : 'allow';
  const cell = counter(decision, name);
  const rules: CompiledRule[] = [];
  (policy.spec.rules ?? []).forEach((rule, index) => {
    const match = compileRule(rule, port);
    if (match === NEVER) return;
    const reason = `${action === 'DENY' ? 'denied' : action === 'AUDIT' ? 'audited' : 'allowed'} by AuthorizationPolicy ${name} (${action}, rule ${index})`;
    rules.push({
      match,
      verdict: { allowed: action !== 'DENY', policy: name, reason, counter: cell },
    });
  });
  return rules;
}

/** At least one source, one operation, and every condition (an absent list matches anything). */
export function compileRule(rule: AuthorizationRule, port: number): Match {
  const from = rule.from ? anyOf(rule.from.map((f) => compileSource(f.source))) : ALWAYS;
  const to = rule.to ? anyOf(rule.to.map((t) => compileOperation(t.operation, port))) : ALWAYS;
  const when = (rule.when ?? []).map((c) => compileCondition(c, port));
  return allOf([from, to, ...when]);
}

function compileSource(source: AuthorizationSource): Match {
  return allOf([
    field(PRINCIPAL, 'principal', source.principals, source.notPrincipals),
    field(NAMESPACE, 'namespace', source.namespaces, source.notNamespaces),
  ]);
}

function compileOperation(op: AuthorizationOperation, port: number): Match {
  return allOf([
    field(HOST, 'host', op.hosts, op.notHosts),
    portField(port, op.ports, op.notPorts),
    field(METHOD, 'method', op.methods, op.notMethods),
    field(PATH, 'path', op.paths, op.notPaths),
  ]);
}

function compileCondition(c: AuthorizationCondition, port: number): Match {
  const attribute = parseConditionKey(c.key);
  // Validation refused every other key; a value that got here anyway matches nothing.
  if ('error' in attribute) return NEVER;
  switch (attribute.kind) {
    case 'principal':
      return field(PRINCIPAL, 'principal', c.values, c.notValues);
    case 'namespace':
      return field(NAMESPACE, 'namespace', c.values, c.notValues);
    case 'port':
      return portField(port, c.values, c.notValues);
    case 'header':
      return field(headerRegion(attribute.name), 'header', c.values, c.notValues);
  }
}

/**
 * Where an attribute is in a request: `value` undefined when the request has none (no peer, no
 * such header); else the region `start`–`end` of it (the whole string when they are absent).
 */
interface Region {
  readonly value: (r: AuthzRequest) => string | undefined;
  readonly start?: (r: AuthzRequest) => number;
  readonly end?: (r: AuthzRequest) => number;
}

const PRINCIPAL: Region = { value: (r) => r.peer, start: (r) => r.principalStart };
const NAMESPACE: Region = {
  value: (r) => (r.nsStart === -1 ? undefined : r.peer),
  start: (r) => r.nsStart,
  end: (r) => r.nsEnd,
};
const HOST: Region = { value: (r) => r.host };
const METHOD: Region = { value: (r) => r.method };
const PATH: Region = { value: (r) => r.target, end: (r) => r.pathEnd };

/** A header's value; repeated ones as one comma-joined value, as RFC 9110 folds them. */
function headerRegion(name: string): Region {
  return {
    value: (r) => {
      const v = r.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    },
  };
}

/**
 * One field and its not- form: some value of `values` matches (when listed) and none of
 * `notValues` does (when listed). An attribute the request lacks matches no value, so only a
 * `notValues` can match it (Istio: `notPrincipals` matches a request with no peer identity).
 */
function field(
  region: Region,
  kind: AttributeKind,
  values: readonly unknown[] | undefined,
  notValues: readonly unknown[] | undefined,
): Match {
  const pos = compileValues(kind, values);
  const neg = compileValues(kind, notValues);
  if (!pos && !neg) return ALWAYS;
  const { value, start, end } = region;
  return (r) => {
    const s = value(r);
    if (s === undefined) return pos === undefined;
    const from = start ? start(r) : 0;
    const to = end ? end(r) : s.length;
    return (!pos || anyMatches(pos, s, from, to)) && (!neg || !anyMatches(neg, s, from, to));
  };
}

/** The workload's port is known when compiling: a port field is always or never true. */
function portField(
  port: number,
  values: readonly unknown[] | undefined,
  notValues: readonly unknown[] | undefined,
): Match {
  const listed = (list: readonly unknown[]) =>
    list.some((v) => patternOf('port', v).text === String(port));
  if (values?.length && !listed(values)) return NEVER;
  if (notValues?.length && listed(notValues)) return NEVER;
  return ALWAYS;
}

function compileValues(
  kind: AttributeKind,
  values: readonly unknown[] | undefined,
): RegionMatcher[] | undefined {
  if (!values?.length) return undefined;
  return values.map((v) => regionMatcher(patternOf(kind, v), kind === 'host'));
}

/** Every match; constant parts folded away. */
function allOf(parts: readonly Match[]): Match {
  if (parts.includes(NEVER)) return NEVER;
  const left = parts.filter((m) => m !== ALWAYS);
  if (left.length === 0) return ALWAYS;
  if (left.length === 1) return left[0];
  if (left.length === 2) {
    const [a, b] = left;
    return (r) => a(r) && b(r);
  }
  return (r) => {
    for (let i = 0; i < left.length; i++) if (!left[i](r)) return false;
    return true;
  };
}

/** Some match; constant parts folded away. */
function anyOf(parts: readonly Match[]): Match {
  if (parts.includes(ALWAYS)) return ALWAYS;
  const left = parts.filter((m) => m !== NEVER);
  if (left.length === 0) return NEVER;
  if (left.length === 1) return left[0];
  return (r) => {
    for (let i = 0; i < left.length; i++) if (left[i](r)) return true;
    return false;
  };
}
