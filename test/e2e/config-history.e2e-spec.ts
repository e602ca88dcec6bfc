// Config revisions: history with author (the authenticated caller) and changes, dry-run diff,
// rollback restoring routing, all kept across a restart of every control plane and nats-server
// (JetStream file storage).
import { http, json } from '../support/admin-client.js';
import { routeAllTo, startCallerAndVersions } from '../support/caller-and-versions.js';
import type { EchoServer } from '../support/echo-server.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { waitFor } from '../support/wait-for.js';

interface History {
  revision: number;
  items: {
    revision: number;
    author: string;
    source: string;
    changes: { resource: string; action: string }[];
  }[];
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('config history, diff and rollback', () => {
  let mesh: Mesh;
  const apps: EchoServer[] = [];
  let a: Sidecar;

  /** Each author's admin token: the history names who authenticated. */
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    mesh = await Mesh.start();
    await mesh.startControlPlane();
    for (const name of ['alice', 'bob', 'carol']) {
      const res = await http(`${cp()}/v1/admin-tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, role: 'admin' }),
      });
      expect(res.status).toBe(201);
      tokens.set(name, (JSON.parse(res.body) as { token: string }).token);
    }
    a = await startCallerAndVersions(mesh, apps);
    await waitFor('b endpoints', async () =>
      (await mesh.endpointIds('b')).length === 2 ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((s) => s.stop()));
    await mesh.stop();
  });

  const cp = () => mesh.controlPlane().url;
  const as = (author: string): Record<string, string> => ({
    authorization: `Bearer ${tokens.get(author)}`,
    'content-type': 'application/yaml',
  });
  const applyAs = async (author: string, yaml: string): Promise<number> => {
    const res = await http(`${cp()}/v1/apply`, { method: 'POST', headers: as(author), body: yaml });
    expect(res.status).toBe(200);
    return (JSON.parse(res.body) as { revision: number }).revision;
  };
  /** Which b instance answers, asked three times (one backend per route here, so all agree). */
  const answering = async (): Promise<string> => {
    const names = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await http(`${a.outbound}/`, { headers: { host: 'b' } });
      expect(res.status).toBe(200);
      names.add(String(res.headers['x-echo-name']));
    }
    return [...names].join();
  };

  it('records every apply with its author and changes, newest first', async () => {
    expect(await applyAs('alice', routeAllTo('v1'))).toBe(1);
    expect(await applyAs('bob', routeAllTo('v2'))).toBe(2);
    await mesh.converged(2, ['a1', 'b1', 'b2']);
    expect(await answering()).toBe('b2');
    const history = await json<History>(`${cp()}/v1/history`);
    expect(history.items.map((h) => [h.revision, h.author])).toEqual([
      [2, 'bob'],
      [1, 'alice'],
    ]);
    expect(history.items[0].changes).toEqual([
      { resource: 'HTTPRoute/default/b-route', action: 'configured' },
    ]);
    expect(history.items[1].changes).toHaveLength(3);
  });

  it('shows what an apply would change without applying it', async () => {
    const res = await http(`${cp()}/v1/apply?dryRun=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: routeAllTo('v1'),
    });
    expect(res.status).toBe(200);
    const diff = JSON.parse(res.body) as {
      revision: number;
      results: {
        resource: string;
        action: string;
        before?: { spec: unknown };
        after?: { spec: unknown };
      }[];
    };
    expect(diff.revision).toBe(2);
    const route = diff.results.find((r) => r.resource === 'HTTPRoute/default/b-route')!;
    expect(route.action).toBe('configured');
    expect(JSON.stringify(route.before?.spec)).toContain('b-v2');
    expect(JSON.stringify(route.after?.spec)).toContain('b-v1');
    expect((await json<History>(`${cp()}/v1/history`)).revision).toBe(2);
    expect(await answering()).toBe('b2');
  });

  it('rolls back to a revision as a new one, and routing follows', async () => {
    const res = await http(`${cp()}/v1/rollback/1`, { method: 'POST', headers: as('carol') });
    expect(res.status).toBe(200);
    const result = JSON.parse(res.body) as { revision: number };
    expect(result.revision).toBe(3);
    await mesh.converged(3, ['a1', 'b1', 'b2']);
    expect(await answering()).toBe('b1');
    expect(
      (await http(`${cp()}/v1/rollback/99`, { method: 'POST', headers: JSON_TYPE })).status,
    ).toBe(404);
  });

  it('keeps history across a restart of the control plane and nats-server', async () => {
    await mesh.controlPlane().proc.stop();
    await mesh.nats.restart();
    await mesh.startControlPlane();
    const history = await json<History>(`${cp()}/v1/history`);
    expect(history.items.map((h) => h.revision)).toEqual([3, 2, 1]);
    expect(history.items[0].author).toBe('carol (rollback to 1)');
    const res = await http(`${cp()}/v1/rollback/2`, { method: 'POST', headers: JSON_TYPE });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { revision: number }).revision).toBe(4);
    await mesh.converged(4, ['a1', 'b1', 'b2'], 15_000);
    expect(await answering()).toBe('b2');
  });
});
