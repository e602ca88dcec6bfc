// The `weft` CLI as users run it (`node bin/weft.js …`) against a live mesh: output, errors, exit codes.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Subjects } from '@app/protocol';
import { http, json } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { versionServices } from '../support/manifests.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { startNats, type NatsHandle } from '../support/nats-fixture.js';
import { sleep } from '../support/wait-for.js';
import { waitFor } from '../support/wait-for.js';
import { cells, lines, startWeft, weft } from '../support/weft-cli.js';
import { scratchDir } from '../support/scratch-dir.js';

const ROUTE_JSON = JSON.stringify({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'b-split' },
  spec: {
    parentRefs: [{ kind: 'Service', name: 'b' }],
    rules: [
      {
        backendRefs: [
          { name: 'b-v1', weight: 90 },
          { name: 'b-v2', weight: 10 },
        ],
      },
    ],
  },
});

const SERVICE_C = `
apiVersion: v1
kind: Service
metadata: { name: c }
spec: { selector: { app: c } }
`;

/** What `weft get` takes, as its help and its errors list it. */
const EVERY_KIND =
  'services (svc), httproutes, trafficpolicies (tp), externalservices (es), gateways (gw), ' +
  'authorizationpolicies (ap), peerauthentications (pa), meshconfigs, serviceexports (svcex), ' +
  'workloadgroups (wg), endpoints (ep), proxies, workloads';

describe('weft CLI', () => {
  let mesh: Mesh;
  let server: string;
  let work: string;
  const apps: EchoServer[] = [];
  const sidecars = new Map<string, Sidecar>();

  const resourceNames = async (): Promise<string[]> => {
    const { items } = await json<{ items: { kind: string; metadata: { name: string } }[] }>(
      `${server}/v1/resources`,
    );
    return items.map((r) => `${r.kind}/${r.metadata.name}`).sort();
  };
  const currentRevision = async (): Promise<number> =>
    (await json<{ revision: number }>(`${server}/v1/resources`)).revision;

  beforeAll(async () => {
    work = await scratchDir('weft-cli-e2e-');
    mesh = await Mesh.start();
    server = (await mesh.startControlPlane()).url;
    for (const version of ['v1', 'v2']) {
      const app = await new EchoServer(`b-${version}`).start();
      apps.push(app);
      const id = `b${version.slice(1)}`;
      sidecars.set(
        id,
        await mesh.startSidecar({
          service: 'b',
          instanceId: id,
          appPort: app.port,
          labels: `version=${version}`,
        }),
      );
    }
    // Routes attach to the implicit service b: it must be known before their status is read.
    await waitFor('b endpoints', async () =>
      (await mesh.endpointIds('b')).length === 2 ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await mesh.stop();
  });

  describe('apply', () => {
    it('applies a file and prints one kubectl-style line per resource, then the revision', async () => {
      const file = join(work, 'b-v1.yaml');
      await writeFile(file, versionServices('b', ['v1']));
      const run = await weft(['apply', '-f', file], { server });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(lines(run.stdout)).toEqual([
        'service/default/b-v1 created',
        `revision ${await currentRevision()}`,
      ]);
    });

    it('applies a folder as one batch: its manifests sorted by name, other files ignored', async () => {
      const dir = join(work, 'config');
      await mkdir(dir);
      await writeFile(join(dir, '01-services.yml'), versionServices('b', ['v1', 'v2']));
      await writeFile(join(dir, '02-route.json'), ROUTE_JSON);
      await writeFile(join(dir, 'README.md'), '# not a manifest');
      const before = await currentRevision();
      const run = await weft(['apply', '-f', dir], { server });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(lines(run.stdout)).toEqual([
        'service/default/b-v1 unchanged',
        'service/default/b-v2 created',
        'httproute/default/b-split created',
        `revision ${before + 1}`,
      ]);
    });

    it('applies unchanged files as no change: no new revision, no history entry, nothing sent to proxies', async () => {
      const dir = join(work, 'config');
      const revision = await currentRevision();
      const history = await json<{ items: unknown[] }>(`${server}/v1/history`);
      // What proxies hear of a revision: its projections and its marker.
      const nc = await mesh.natsClient({ role: 'cli-read', name: 'observer' });
      const announced: string[] = [];
      nc.subscribe(new Subjects('weft').configAnnouncementsAll, {
        callback: (_err, msg) => void announced.push(msg.subject),
      });
      await nc.flush();
      try {
        const run = await weft(['apply', '-f', dir], { server });
        expect(run).toMatchObject({ code: 0, stderr: '' });
        expect(lines(run.stdout)).toEqual([
          'service/default/b-v1 unchanged',
          'service/default/b-v2 unchanged',
          'httproute/default/b-split unchanged',
          `revision ${revision} (no changes)`,
        ]);
        // Sent by another source (the admin API, not the CLI): the same resources, still no change.
        const res = await http(`${server}/v1/apply`, {
          method: 'POST',
          headers: { 'content-type': 'application/yaml' },
          body: `${versionServices('b', ['v1', 'v2'])}\n---\n${ROUTE_JSON}`,
        });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toMatchObject({ revision, changed: false });
        await nc.flush();
        expect(announced).toEqual([]);
      } finally {
        await nc.close();
      }
      expect(await currentRevision()).toBe(revision);
      expect(await json<{ items: unknown[] }>(`${server}/v1/history`)).toEqual(history);
    });

    it('applies stdin with -f -', async () => {
      const run = await weft(['apply', '-f', '-'], { server, stdin: SERVICE_C });
      expect(run.code).toBe(0);
      expect(lines(run.stdout)[0]).toBe('service/default/c created');
    });

    it('prints a route’s unresolved backend under its line, and still applies it', async () => {
      const route = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: b-missing }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules: [{ matches: [{ path: { value: /v9 } }], backendRefs: [{ name: b-v9 }] }]
`;
      const run = await weft(['apply', '-f', '-'], { server, stdin: route });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(lines(run.stdout)).toEqual([
        'httproute/default/b-missing created',
        '  ! ResolvedRefs=False (BackendNotFound): rule 0 backend b-v9 not found',
        `revision ${await currentRevision()}`,
      ]);
    });

    it('on 422 prints each error with its field path, exits 1, and applies nothing', async () => {
      const before = await currentRevision();
      const bad = `
apiVersion: v1
kind: Service
metadata: { name: d }
spec: { selector: { app: d } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bad-route }
spec:
  parentRefs: [{ kind: Service, name: b }]
  rules: [{ backendRefs: [{ name: b-v1, weight: -1 }] }]
`;
      const run = await weft(['apply', '-f', '-'], { server, stdin: bad });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toEqual([
        'Error: apply rejected (1 error); nothing applied',
        'HTTPRoute/default/bad-route  spec.rules[0].backendRefs[0].weight: must not be less than 0',
      ]);
      expect(await currentRevision()).toBe(before);
      expect(await resourceNames()).not.toContain('Service/d');
    });

    it('reports a YAML syntax error with the file name, without contacting the server', async () => {
      const file = join(work, 'broken.yaml');
      await writeFile(file, 'kind: [Service\n');
      const run = await weft(['apply', '-f', file], { server: 'http://127.0.0.1:1' });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file}: invalid YAML:`);
    });
  });

  describe('get', () => {
    it('lists services as a table', async () => {
      const run = await weft(['get', 'services'], { server });
      expect(run.code).toBe(0);
      const [header, ...rows] = lines(run.stdout);
      expect(cells(header)).toEqual(['NAME', 'NAMESPACE', 'SELECTOR']);
      expect(rows.map(cells)).toEqual([
        ['b-v1', 'default', 'app=b,version=v1'],
        ['b-v2', 'default', 'app=b,version=v2'],
        ['c', 'default', 'app=c'],
      ]);
    });

    it('shows HTTPRoute parents, weighted backends and status', async () => {
      const run = await weft(['get', 'httproute'], { server });
      expect(lines(run.stdout).map(cells)).toEqual([
        ['NAME', 'NAMESPACE', 'PARENTS', 'BACKENDS', 'STATUS'],
        ['b-missing', 'default', 'Service/b', 'b-v9(1)', 'ResolvedRefs=False'],
        ['b-split', 'default', 'Service/b', 'b-v1(90),b-v2(10)', 'Accepted'],
      ]);
    });

    it('prints an HTTPRoute’s status conditions with -o yaml', async () => {
      const run = await weft(['get', 'httproute', 'b-missing', '-o', 'yaml'], { server });
      expect(run.code).toBe(0);
      const [doc] = parseAllDocuments(run.stdout).map(
        (d) =>
          d.toJS() as { status: { parents: { conditions: { type: string; reason: string }[] }[] } },
      );
      expect(doc.status.parents[0].conditions.map((c) => `${c.type}/${c.reason}`)).toEqual([
        'Accepted/Accepted',
        'ResolvedRefs/BackendNotFound',
      ]);
    });

    it('prints -o json: one object for a NAME, a List otherwise', async () => {
      const one = await weft(['get', 'svc', 'b-v1', '-o', 'json'], { server });
      expect(one.code).toBe(0);
      expect(JSON.parse(one.stdout)).toMatchObject({
        kind: 'Service',
        metadata: { name: 'b-v1', namespace: 'default' },
        spec: { selector: { app: 'b', version: 'v1' } },
      });
      const all = await weft(['get', 'svc', '-o', 'json'], { server });
      const list = JSON.parse(all.stdout) as {
        kind: string;
        items: { metadata: { name: string } }[];
      };
      expect(list.kind).toBe('List');
      expect(list.items.map((i) => i.metadata.name)).toEqual(['b-v1', 'b-v2', 'c']);
    });

    it('prints -o yaml as documents that apply again unchanged', async () => {
      const run = await weft(['get', 'svc', '-o', 'yaml'], { server });
      expect(run.code).toBe(0);
      const docs = parseAllDocuments(run.stdout).map(
        (d) => d.toJS() as { metadata: { name: string } },
      );
      expect(docs.map((d) => d.metadata.name)).toEqual(['b-v1', 'b-v2', 'c']);
      const again = await weft(['apply', '-f', '-'], { server, stdin: run.stdout });
      expect(lines(again.stdout).slice(0, 3)).toEqual([
        'service/default/b-v1 unchanged',
        'service/default/b-v2 unchanged',
        'service/default/c unchanged',
      ]);
    });

    it('fails with exit 1 for an unknown NAME or kind', async () => {
      const run = await weft(['get', 'service', 'nope'], { server });
      expect(run).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'Error: service "nope" not found\n',
      });
      const kind = await weft(['get', 'pods'], { server });
      expect(kind).toMatchObject({
        code: 1,
        stderr: `Error: unknown kind "pods"; expected one of ${EVERY_KIND}\n`,
      });
    });

    it('names every kind in its help', async () => {
      const help = await weft(['get', '--help']);
      expect(help.code).toBe(0);
      // Commander wraps the argument's description: compare the words.
      expect(help.stdout.replace(/\s+/g, ' ')).toContain(
        `one of ${EVERY_KIND}, singular or plural`,
      );
    });

    it('lists each Service’s endpoints: the sidecars’ inbound listeners', async () => {
      const run = await weft(['get', 'endpoints', 'b-v1'], { server });
      expect(run.code).toBe(0);
      expect(lines(run.stdout).map(cells)).toEqual([
        ['SERVICE', 'NAMESPACE', 'ENDPOINTS'],
        ['b-v1', 'default', `127.0.0.1:${sidecars.get('b1')!.inboundPort}`],
      ]);
    });
  });

  describe('delete', () => {
    it('deletes a resource, then reports it as not found', async () => {
      const before = await currentRevision();
      const run = await weft(['delete', 'svc', 'c'], { server });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(lines(run.stdout)).toEqual(['service/default/c deleted', `revision ${before + 1}`]);
      expect(await resourceNames()).not.toContain('Service/c');
      const again = await weft(['delete', 'svc', 'c'], { server });
      expect(again).toMatchObject({
        code: 1,
        stderr: 'Error: service "c" not found in namespace "default"\n',
      });
    });
  });

  describe('diff, history and rollback', () => {
    const serviceD = (app: string): string =>
      `apiVersion: v1\nkind: Service\nmetadata: { name: d }\nspec: { selector: { app: ${app} } }\n`;

    it('diffs a file against the running config, applying nothing; exit 1 when it would change', async () => {
      const file = join(work, 'd.yaml');
      await writeFile(file, serviceD('d'));
      expect((await weft(['apply', '-f', file], { server })).code).toBe(0);
      const revision = await currentRevision();
      await writeFile(file, serviceD('d2'));
      const run = await weft(['diff', '-f', file], { server });
      expect(run.code).toBe(1);
      expect(lines(run.stdout)).toEqual(
        expect.arrayContaining([
          'service/default/d would be configured',
          '  -     app: d',
          '  +     app: d2',
          `1 to change, 0 unchanged, against revision ${revision}`,
        ]),
      );
      expect(await currentRevision()).toBe(revision);
      await writeFile(file, serviceD('d'));
      const same = await weft(['diff', '-f', file], { server });
      expect(same.code).toBe(0);
      expect(lines(same.stdout)).toEqual([
        `0 to change, 1 unchanged, against revision ${revision}`,
      ]);
    });

    it('lists revisions newest first with source, author and changes', async () => {
      const revision = await currentRevision();
      const run = await weft(['history'], { server });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const [current, header, newest] = lines(run.stdout);
      expect(current).toBe(`current revision ${revision}`);
      expect(cells(header)).toEqual(['REVISION', 'APPLIED', 'SOURCE', 'AUTHOR', 'CHANGES']);
      expect(cells(newest)).toEqual([
        String(revision),
        expect.stringMatching(/s ago$/),
        'cli',
        // The caller its token names (the mesh's first admin token), not what the CLI says.
        'admin',
        '1 created',
      ]);
    });

    it('rolls back to a revision as a new one; an unknown revision fails clearly', async () => {
      const good = await currentRevision();
      const file = join(work, 'd.yaml');
      await writeFile(file, serviceD('d2'));
      expect((await weft(['apply', '-f', file], { server })).code).toBe(0);
      const run = await weft(['rollback', String(good)], { server });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(lines(run.stdout)).toEqual(
        expect.arrayContaining(['service/default/d configured', `revision ${good + 2}`]),
      );
      const { items } = await json<{
        items: { metadata: { name: string }; spec: { selector?: Record<string, string> } }[];
      }>(`${server}/v1/resources?kind=Service`);
      expect(items.find((r) => r.metadata.name === 'd')?.spec.selector).toEqual({ app: 'd' });
      const unknown = await weft(['rollback', '999'], { server });
      expect(unknown).toMatchObject({
        code: 1,
        stderr: 'Error: revision 999 is not in the history (see weft history)\n',
      });
    });
  });

  describe('tap', () => {
    it('shows a request as it is served, live', async () => {
      const sidecar = sidecars.get('b1')!;
      const tap = startWeft(
        ['tap', '--nats', mesh.nats.url, '--service', 'b', '--path', '/tapped', '--count', '1'],
        { env: await mesh.cliEnv() },
      );
      // The CLI subscribes at its own pace: serve requests until it has shown one (and exited).
      for (let n = 0; tap.child.exitCode === null && n < 100; n++) {
        const res = await http(`${sidecar.outbound}/tapped?x=${n}`, { headers: { host: 'b' } });
        expect(res.status).toBe(200);
        await Promise.race([tap.done, sleep(250)]);
      }
      const run = await tap.done;
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const shown =
        /^\d\d:\d\d:\d\d\.\d{3} GET b\/tapped\?x=(\d+) 200 [\d.]+ms \w+ .* trace=[0-9a-f]{32}\n$/.exec(
          run.stdout,
        );
      expect(shown).not.toBeNull();
    });
  });

  describe('events', () => {
    it('follows control-plane events: an apply shows up as config.applied', async () => {
      // Only config.applied: the proxies' ACKs of each apply are events too, and may come first.
      const events = startWeft(
        ['events', '--nats', mesh.nats.url, '--type', 'config.applied', '--count', '1'],
        { env: await mesh.cliEnv() },
      );
      // The CLI subscribes at its own pace: apply until it has shown one.
      for (let n = 1; events.child.exitCode === null && n < 40; n++) {
        await mesh.applyOk(versionServices('events', [`v${n}`]));
        await Promise.race([events.done, sleep(500)]);
      }
      const run = await events.done;
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} config\.applied \{.*"Service\/default\/events-v\d+".*\}\n$/,
      );
    });

    it('refuses a --type that is no event type, naming the option', async () => {
      const run = await weft(['events', '--nats', mesh.nats.url, '--type', 'config applied'], {
        env: await mesh.cliEnv(),
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('--type "config applied" is not an event type');
    });

    it('follows health: a new instance ready and ACKing, then draining and down on SIGTERM', async () => {
      const events = startWeft(['events', '--nats', mesh.nats.url], { env: await mesh.cliEnv() });
      try {
        for (let n = 1; !events.output().includes('config.applied'); n++) {
          expect(n).toBeLessThan(40);
          await mesh.applyOk(versionServices('health', [`v${n}`]));
          await sleep(500);
        }
        const app = await new EchoServer('h1').start();
        apps.push(app);
        const h1 = await mesh.startSidecar({ service: 'h', instanceId: 'h1', appPort: app.port });
        /** The line of event `name` about h1, once shown. */
        const shown = (name: string) =>
          waitFor(`${name} of h1`, () =>
            lines(events.output()).find(
              (l) => l.includes(` ${name} {`) && /"(instanceId|proxyId)":"h1"/.test(l),
            ),
          );
        expect(await shown('instance.ready')).toMatch(
          /^\d\d:\d\d:\d\d\.\d{3} instance\.ready \{"v":1,"namespace":"default","service":"h","instanceId":"h1","state":"ready"\}$/,
        );
        expect(await shown('proxy.ack')).toContain('"mode":"sidecar"');
        await h1.proc.stop();
        await shown('instance.draining');
        await shown('instance.down');
        // Heartbeats repeating a state are not events: one ready line for h1.
        expect(
          lines(events.output()).filter((l) => l.includes('"instanceId":"h1","state":"ready"')),
        ).toHaveLength(1);
      } finally {
        events.child.kill('SIGINT');
      }
      expect(await events.done).toMatchObject({ code: 0, stderr: '' });
    });
  });

  describe('status', () => {
    it('lists every sidecar with its ACK of the current revision', async () => {
      const revision = await currentRevision();
      await mesh.converged(revision, ['b1', 'b2']);
      const run = await weft(['status'], { server });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const out = lines(run.stdout);
      expect(out[0]).toBe(`control plane ${server} at revision ${revision} (leader)`);
      expect(cells(out[1])).toEqual([
        'PROXY',
        'MODE',
        'SERVICE',
        'REVISION',
        'STATUS',
        'LAST SEEN',
        'STALE',
      ]);
      for (const id of ['b1', 'b2']) {
        const row = out.find((l) => l.startsWith(`${id} `));
        expect(cells(row!)).toEqual([
          id,
          'sidecar',
          'b.default',
          String(revision),
          'ACK',
          expect.stringMatching(/^\d+s ago$/),
          'no',
        ]);
      }
      expect(out.at(-1)).toBe(
        `2 proxies: 2 in sync with revision ${revision}, 0 behind, 0 NACK, 0 stale`,
      );
    });

    it('takes the server from WEFT_SERVER when --server is not given', async () => {
      const run = await weft(['status'], { env: { WEFT_SERVER: server } });
      expect(run.code).toBe(0);
      expect(lines(run.stdout)[0]).toMatch(`control plane ${server} at revision`);
    });
  });

  describe('check', () => {
    it('asks the control plane where NATS is when neither --nats nor NATS_URL says', async () => {
      const run = await weft(['check'], {
        server,
        env: { ...(await mesh.cliEnv()), NATS_URL: '' },
      });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(lines(run.stdout)).toContainEqual(
        expect.stringMatching(
          `^✔ NATS reachable at ${mesh.nats.url}, as the control plane names it \\(server `,
        ),
      );
      expect(lines(run.stdout).at(-1)).toBe('Status check results are ✔');
    });

    it('passes against the running mesh', async () => {
      const run = await weft(['check', '--nats', mesh.nats.url], {
        server,
        env: await mesh.cliEnv(),
      });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const out = lines(run.stdout);
      for (const check of [
        `✔ NATS reachable at ${mesh.nats.url}`,
        '✔ JetStream enabled',
        '✔ KV bucket weft-config present',
        `✔ control plane reachable at ${server}`,
        '✔ control plane ready (/readyz)',
        '✔ control plane leader',
        '✔ protocol version compatible',
      ]) {
        expect(out.some((l) => l.startsWith(check))).toBe(true);
      }
      expect(run.stdout).not.toContain('✖');
      expect(out.at(-1)).toBe('Status check results are ✔');
    });

    describe('against a NATS without JetStream', () => {
      let plain: NatsHandle;
      beforeAll(async () => {
        // A server set up wrong on purpose (no JetStream), open: the check fails before any auth.
        plain = await startNats({ jetstream: false });
      });
      afterAll(() => plain.stop());

      it('fails the JetStream check with the -js hint and exits 1', async () => {
        const run = await weft(['check'], { server, env: { NATS_URL: plain.url } });
        expect(run.code).toBe(1);
        const out = lines(run.stdout);
        expect(out.some((l) => l.startsWith(`✔ NATS reachable at ${plain.url}`))).toBe(true);
        const failed = out.indexOf('✖ JetStream enabled');
        expect(failed).toBeGreaterThan(0);
        expect(out[failed + 2]).toMatch(/^ {4}hint: start nats-server with -js/);
        expect(out).toContain('- KV bucket weft-config present (skipped: no JetStream)');
        expect(run.stderr).toBe('Error: 1 check failed\n');
      });
    });
  });

  it('says clearly when the control plane cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await weft(['get', 'svc'], { server: closed });
    expect(run).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `Error: cannot reach the control plane at ${closed} (ECONNREFUSED); is it running? set --server or WEFT_SERVER\n`,
    });
  });
});
