// Unit spec for the authorization layer: fail closed before config, nothing checked without a
// policy, 403 naming the policy, the peer from the exchange only, the normalized path forwarded,
// counters, access-log notes and AUDIT lines.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type AuthorizationPolicy } from '@app/protocol';
import type { Logger } from '@app/runtime';
import {
  fakeExchange,
  fakeRequest,
  recordedResponse,
  type RequestParts,
} from '../http/http-doubles.testing.js';
import { MeshPolicies, PolicyHolder } from '../policy/mesh-policies.js';
import { ExchangeNotes } from '../telemetry/exchange-notes.js';
import { AuditLog } from './audit-log.js';
import { authorization } from './authorization.layer.js';
import { InboundAuthorizations } from './inbound-authorizations.js';

const SLEEP = 'spiffe://cluster.local/ns/shop/sa/sleep';

function ap(name: string, spec: Record<string, unknown>): AuthorizationPolicy {
  const result = parseResource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: 'shop' },
    spec,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value as AuthorizationPolicy;
}

const allowSleep = ap('allow-sleep', {
  rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/sleep'] } }] }],
});
const denyAdmin = ap('deny-admin', {
  action: 'DENY',
  rules: [{ to: [{ operation: { paths: ['/admin', '/admin/*'] } }] }],
});
const auditAll = ap('audit-all', { action: 'AUDIT', rules: [{}] });

/** Lines an AuditLog wrote. */
class Lines {
  readonly written: Record<string, unknown>[] = [];
  readonly logger = {
    info: (o: Record<string, unknown>) => this.written.push(o),
  } as unknown as Logger;
}

function setup(policies?: AuthorizationPolicy[]) {
  const authz = new InboundAuthorizations();
  const inbound = authz.add({ namespace: 'shop', labels: { app: 'api' }, port: 8080 });
  if (policies) authz.update(policies);
  const lines = new Lines();
  const step = authorization(inbound, 'inbound', new AuditLog(lines.logger));
  /** The step's outcome for one request, with what it answered and noted. */
  const call = (parts: RequestParts, peer?: string) => {
    const res = recordedResponse();
    const notes = new ExchangeNotes();
    const ex = fakeExchange(fakeRequest(parts), res, notes);
    ex.peer = peer;
    ex.path = parts.url ?? '/';
    const outcome = step(ex);
    return { outcome, res, notes, path: ex.path };
  };
  return { authz, call, lines };
}

describe('authorization layer', () => {
  it('refuses every request before the proxy has a config (policies unknown: fail closed)', () => {
    const { call } = setup();
    const { outcome, res } = call({});
    expect(outcome).toBe('answered');
    expect(res.status).toBe(503);
    expect(res.sentHeaders['x-weft-error']).toBe('not_ready');
  });

  it('checks nothing and notes nothing when no policy selects the workload', () => {
    const { call, authz } = setup([]);
    const { outcome, notes, path } = call({ url: '/a/../b' });
    expect(outcome).toBe('next');
    expect(notes.authz).toBe('');
    // Without policies the target goes on as it came.
    expect(path).toBe('/a/../b');
    expect([...authz.decisions.all()]).toEqual([]);
  });

  it('answers 403 rbac_denied naming the DENY policy, and notes the reason', () => {
    const { call } = setup([denyAdmin, allowSleep]);
    const { outcome, res, notes } = call({ url: '/admin' }, SLEEP);
    expect(outcome).toBe('answered');
    expect(res.status).toBe(403);
    expect(res.sentHeaders['x-weft-error']).toBe('rbac_denied');
    expect(JSON.parse(res.body)).toEqual({
      error: 'rbac_denied',
      message: 'denied by AuthorizationPolicy shop/deny-admin (DENY, rule 0)',
    });
    expect(notes.authz).toBe('denied by AuthorizationPolicy shop/deny-admin (DENY, rule 0)');
  });

  it('names the ALLOW policies when none matched (default deny)', () => {
    const { call } = setup([allowSleep]);
    const { res } = call({ url: '/' }, 'spiffe://cluster.local/ns/shop/sa/other');
    expect(JSON.parse(res.body)).toEqual({
      error: 'rbac_denied',
      message:
        'no ALLOW rule matches (AuthorizationPolicy shop/allow-sleep applies to this workload)',
    });
  });

  it('reads the peer from the exchange, never from a header', () => {
    const { call } = setup([allowSleep]);
    const forged = { 'x-weft-caller': 'shop/sleep', 'x-forwarded-client-cert': `URI=${SLEEP}` };
    expect(call({ headers: forged }).res.status).toBe(403);
    expect(call({}, SLEEP).outcome).toBe('next');
  });

  it('matches and forwards the normalized path: /public/../admin is /admin', () => {
    const { call } = setup([denyAdmin, allowSleep]);
    expect(call({ url: '/public/../admin' }, SLEEP).res.status).toBe(403);
    expect(call({ url: '//admin/x' }, SLEEP).res.status).toBe(403);
    expect(call({ url: '/%61dmin' }, SLEEP).res.status).toBe(403);
    expect(call({ url: 'http://evil/admin' }, SLEEP).res.status).toBe(403);
    const allowed = call({ url: '/public/./x/../y?q=/../admin' }, SLEEP);
    expect(allowed.outcome).toBe('next');
    expect(allowed.path).toBe('/public/y?q=/../admin');
    expect(allowed.notes.authz).toBe(
      'allowed by AuthorizationPolicy shop/allow-sleep (ALLOW, rule 0)',
    );
  });

  it('answers 400 for a target with no path when policies apply', () => {
    const { call } = setup([denyAdmin]);
    const { res } = call({ url: '*', method: 'OPTIONS' });
    expect(res.status).toBe(400);
    expect(res.sentHeaders['x-weft-error']).toBe('bad_request');
  });

  it('counts decisions by decision and policy', () => {
    const { call, authz } = setup([denyAdmin, allowSleep]);
    call({ url: '/admin' }, SLEEP);
    call({ url: '/x' }, SLEEP);
    call({ url: '/x' }, SLEEP);
    call({ url: '/x' });
    const counts = [...authz.decisions.all()].map((c) => `${c.decision} ${c.policy} ${c.count}`);
    expect(counts.sort()).toEqual([
      'allow shop/allow-sleep 2',
      'deny none 1',
      'deny shop/deny-admin 1',
    ]);
  });

  it('marks and logs AUDIT matches without changing the decision', () => {
    const { call, lines, authz } = setup([auditAll, denyAdmin]);
    const denied = call({ url: '/admin', headers: { host: 'api.shop' } }, SLEEP);
    expect(denied.res.status).toBe(403);
    expect(denied.notes.audit).toBe(
      'audited by AuthorizationPolicy shop/audit-all (AUDIT, rule 0)',
    );
    expect(call({ url: '/x' }).outcome).toBe('next');
    expect(lines.written.map((l) => l.audit)).toEqual([
      {
        policy: 'shop/audit-all',
        rule: 'audited by AuthorizationPolicy shop/audit-all (AUDIT, rule 0)',
        listener: 'inbound',
        peer: SLEEP,
        method: 'GET',
        host: 'api.shop',
        path: '/admin',
        decision: 'denied',
      },
      expect.objectContaining({ peer: null, path: '/x', decision: 'allowed' }),
    ]);
    const audit = [...authz.decisions.all()].find((c) => c.decision === 'audit');
    expect(audit?.count).toBe(2);
  });

  it('logs at most 20 AUDIT lines a second per policy, then says how many were held back', () => {
    const { call, lines } = setup([auditAll]);
    for (let i = 0; i < 25; i++) call({ url: '/x' });
    expect(lines.written).toHaveLength(20);
  });

  it('takes a new config whole: the next request reads the new policies', () => {
    const { call, authz } = setup([denyAdmin]);
    expect(call({ url: '/admin' }).res.status).toBe(403);
    authz.update([]);
    expect(call({ url: '/admin' }).outcome).toBe('next');
  });

  it("follows the committed policy bundles: each swap's AuthorizationPolicies, other kinds left out", () => {
    const { call, authz } = setup();
    const holder = new PolicyHolder();
    authz.follow(holder);
    expect(call({ url: '/admin' }).res.status).toBe(503);
    const strict = parseResource({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'PeerAuthentication',
      metadata: { name: 'strict', namespace: 'shop' },
      spec: { mtls: { mode: 'STRICT' } },
    });
    if (!strict.ok) throw new Error(JSON.stringify(strict.errors));
    holder.swap(new MeshPolicies([strict.value, denyAdmin]));
    expect(call({ url: '/admin' }).res.status).toBe(403);
    holder.swap(new MeshPolicies([strict.value]));
    expect(call({ url: '/admin' }).outcome).toBe('next');
  });
});
