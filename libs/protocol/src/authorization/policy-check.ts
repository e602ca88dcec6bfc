// What an AuthorizationPolicy's class validation cannot see: Istio's structural rules, and values
// that can never match a request (refused with the field path and the reason).
import type { FieldError } from '../field-error.js';
import type {
  AuthorizationCondition,
  AuthorizationOperation,
  AuthorizationPolicy,
  AuthorizationSource,
} from '../resources/authorization-policy.dto.js';
import { parseConditionKey, portOf, valueProblem, type AttributeKind } from './match-values.js';
import { parsePattern, patternCovers, type ValuePattern } from './value-pattern.js';

/** Attributes every request has: excluding every value of one (`notPaths: ["*"]`) excludes everything. */
const ALWAYS_PRESENT: ReadonlySet<AttributeKind> = new Set(['method', 'path', 'host', 'port']);

type Report = (path: string, message: string) => void;

/** Every reason `policy` (already class-validated) holds something that can never match. */
export function authorizationPolicyErrors(
  policy: AuthorizationPolicy,
  resource: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const report: Report = (path, message) => errors.push({ resource, path, message });
  (policy.spec.rules ?? []).forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    if (rule.from?.length === 0)
      report(`${at}.from`, 'must list at least one source (omit from to match any source)');
    rule.from?.forEach((f, j) => checkSource(f.source, `${at}.from[${j}].source`, report));
    if (rule.to?.length === 0)
      report(`${at}.to`, 'must list at least one operation (omit to to match any operation)');
    rule.to?.forEach((t, j) => checkOperation(t.operation, `${at}.to[${j}].operation`, report));
    rule.when?.forEach((c, j) => checkCondition(c, `${at}.when[${j}]`, report));
  });
  return errors;
}

function checkSource(source: AuthorizationSource, at: string, report: Report): void {
  if (isEmpty(source)) {
    report(at, 'must set at least one of principals, notPrincipals, namespaces, notNamespaces');
    return;
  }
  checkPair(
    'principal',
    at,
    ['principals', source.principals],
    ['notPrincipals', source.notPrincipals],
    report,
  );
  checkPair(
    'namespace',
    at,
    ['namespaces', source.namespaces],
    ['notNamespaces', source.notNamespaces],
    report,
  );
}

function checkOperation(op: AuthorizationOperation, at: string, report: Report): void {
  if (isEmpty(op)) {
    report(at, 'must set at least one of hosts, ports, methods, paths or their not- forms');
    return;
  }
  checkPair('host', at, ['hosts', op.hosts], ['notHosts', op.notHosts], report);
  checkPair('port', at, ['ports', op.ports], ['notPorts', op.notPorts], report);
  checkPair('method', at, ['methods', op.methods], ['notMethods', op.notMethods], report);
  checkPair('path', at, ['paths', op.paths], ['notPaths', op.notPaths], report);
}

function checkCondition(c: AuthorizationCondition, at: string, report: Report): void {
  const attribute = parseConditionKey(c.key);
  if ('error' in attribute) return report(`${at}.key`, attribute.error);
  if (!c.values?.length && !c.notValues?.length)
    return report(at, `must set values or notValues for key ${c.key}`);
  const kind: AttributeKind = attribute.kind;
  checkPair(kind, at, ['values', c.values], ['notValues', c.notValues], report);
}

/**
 * Each value of both lists must be able to match; a value of the first that a value of the second
 * excludes can never match (`paths: ["/a"]` with `notPaths: ["/*"]`), nor can any request when the
 * second excludes an attribute every request has.
 */
function checkPair(
  kind: AttributeKind,
  at: string,
  [posName, pos]: [string, readonly unknown[] | undefined],
  [negName, neg]: [string, readonly unknown[] | undefined],
  report: Report,
): void {
  const included = valid(kind, `${at}.${posName}`, pos, report);
  const excluded = valid(kind, `${at}.${negName}`, neg, report);
  for (const [i, p] of included) {
    const by = excluded.find(([, n]) => patternCovers(n, p));
    if (by)
      report(
        `${at}.${posName}[${i}]`,
        `${JSON.stringify(String(pos![i]))} is excluded by ${negName}[${by[0]}] ${JSON.stringify(String(neg![by[0]]))}: it can never match`,
      );
  }
  if (!ALWAYS_PRESENT.has(kind)) return;
  for (const [i, n] of excluded) {
    if (n.kind === 'presence')
      report(`${at}.${negName}[${i}]`, `"*" excludes every request: this can never match`);
  }
}

/** The values of a list that can match, as patterns by index; the others reported. */
function valid(
  kind: AttributeKind,
  at: string,
  values: readonly unknown[] | undefined,
  report: Report,
): [number, ValuePattern][] {
  const out: [number, ValuePattern][] = [];
  values?.forEach((raw, i) => {
    const problem = valueProblem(kind, raw);
    if (problem) return report(`${at}[${i}]`, problem);
    out.push([i, patternOf(kind, raw)]);
  });
  return out;
}

/** A valid value as the pattern it is compared as: ports exact, hosts case-folded. */
export function patternOf(kind: AttributeKind, raw: unknown): ValuePattern {
  if (kind === 'port') return { kind: 'exact', text: String(portOf(raw)) };
  const text = String(raw);
  return parsePattern(kind === 'host' ? text.toLowerCase() : text);
}

/** No field set (Istio counts an empty list as not set). */
function isEmpty(fields: object): boolean {
  return Object.values(fields).every(
    (v) => v === undefined || (Array.isArray(v) && v.length === 0),
  );
}
