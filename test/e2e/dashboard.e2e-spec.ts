// The dashboard in headless Chromium against a live mesh running the demo's services and YAML:
// after a login with a read token, the topology shows web calling api-v1 and api-v2 with live
// numbers; proxies, endpoints with their localities, the cluster and events are listed; a site's
// workload shows once a WorkloadGroup registers it; the session cookie reads only and ends with a logout.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { http } from '../support/admin-client.js';
import { EchoServer } from '../support/echo-server.js';
import { peerAuthentication } from '../support/manifests.js';
import { Mesh, type Sidecar } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Ignored by git; the README's test/artifacts/dashboard.png is a copy of one, made by hand. */
const SCREENSHOT = join(ROOT, 'test/artifacts/dashboard-e2e.png');
const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';
const SNAPSHOT_INTERVAL_MS = 500;

/** A live edge label: `12.3 rps · 99.5% · p99 4.20 ms`. */
const EDGE_LABEL = /^(\d+(?:\.\d+)?) rps · (\d+(?:\.\d)?)% · p99 \d+(?:\.\d+)? m?s$/;

/** Registers the workloads of service kiosk that run at site edge-1, in region edge. */
const KIOSK_GROUP = `apiVersion: weft.dev/v1alpha1
kind: WorkloadGroup
metadata: { name: kiosk, namespace: default }
spec:
  service: kiosk
  sites: [edge-1]
  locality: { region: edge }
`;

/** examples/full-mesh as `npm run demo` applies it: Services api-v1/api-v2, an 80/20 route. */
async function demoManifests(): Promise<string> {
  const dir = join(ROOT, 'examples/full-mesh');
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return texts.join('\n---\n');
}

describe('dashboard', () => {
  let mesh: Mesh;
  let server: string;
  const apps: EchoServer[] = [];
  let web: Sidecar;
  /** A workload outside any cluster (WEFT_SITE), on the mesh's NATS as a site's proxy would be. */
  let kiosk: Sidecar;
  let browser: Browser;
  let page: Page;
  let traffic = true;
  let loop: Promise<void> = Promise.resolve();
  /** A read token: all the dashboard needs. */
  let viewerToken: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: apt-get install chromium, or set WEFT_CHROMIUM to one`,
      );
    }
    mesh = await Mesh.start();
    server = (await mesh.startControlPlane({ WEFT_CLUSTER: 'east' })).url;
    const viewer = await http(`${server}/v1/admin-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'viewer', role: 'read' }),
    });
    expect(viewer.status).toBe(201);
    viewerToken = (JSON.parse(viewer.body) as { token: string }).token;
    const [webApp, v1, v2, kioskApp] = await Promise.all(
      ['web', 'api-v1', 'api-v2', 'kiosk'].map((name) => new EchoServer(name).start()),
    );
    apps.push(webApp, v1, v2, kioskApp);
    // Every proxy runs in cluster east; api-2 says its region and zone too.
    const env = { WEFT_TELEMETRY_INTERVAL_MS: String(SNAPSHOT_INTERVAL_MS), WEFT_CLUSTER: 'east' };
    [web] = await Promise.all([
      mesh.startSidecar({ service: 'web', instanceId: 'web-1', appPort: webApp.port, env }),
      mesh.startSidecar({
        service: 'api',
        instanceId: 'api-1',
        labels: 'version=v1',
        appPort: v1.port,
        env,
      }),
      mesh.startSidecar({
        service: 'api',
        instanceId: 'api-2',
        labels: 'version=v2',
        appPort: v2.port,
        env: { ...env, WEFT_REGION: 'us-east', WEFT_ZONE: 'us-east-1a' },
      }),
    ]);
    // No group registers it yet: the control plane refuses its heartbeats.
    kiosk = await mesh.startSidecar({
      service: 'kiosk',
      instanceId: 'kiosk-1',
      appPort: kioskApp.port,
      env: { WEFT_SITE: 'edge-1' },
    });
    // Callers without a sidecar reach web's inbound below: it takes plaintext too.
    const revision = await mesh.applyOk(
      `${await demoManifests()}\n---\n${peerAuthentication('web', 'PERMISSIVE')}`,
    );
    await mesh.converged(revision, ['web-1', 'api-1', 'api-2']);
    await waitFor('api-v1 and api-v2 endpoints', async () =>
      (await mesh.endpointIds('api-v1')).length === 1 &&
      (await mesh.endpointIds('api-v2')).length === 1
        ? true
        : undefined,
    );
    // Callers reach web through its inbound listener; web calls api through its outbound one,
    // and one call in three fails on v2 only, so the two edges differ.
    loop = (async () => {
      for (let i = 0; traffic; i++) {
        const path = i % 3 === 0 ? '/fail-on/api-v2' : '/';
        await Promise.all([
          http(`http://127.0.0.1:${web.inboundPort}/`),
          http(`${web.outbound}${path}`, { headers: { host: 'api' } }),
        ]);
        await sleep(20);
      }
    })();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-gpu',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  });

  afterAll(async () => {
    traffic = false;
    await loop;
    await browser?.close();
    await Promise.all(apps.map((s) => s.stop()));
    await mesh?.stop();
  });

  const edgeLabel = (destination: string): Promise<string> =>
    page
      .locator(`g.edge[data-source="default/web"][data-destination="${destination}"] text`)
      .textContent({ timeout: 20_000 })
      .then((text) => text ?? '');

  it('asks for a token first, and says why a wrong one is refused', async () => {
    const res = await page.goto(`${server}/dashboard`);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe('Weft mesh');
    await page.locator('#login').waitFor({ timeout: 20_000 });
    expect(await page.locator('#mesh').isHidden()).toBe(true);
    await page.fill('#token', 'weft_this-is-not-a-token-of-this-mesh-at-all');
    await page.click('#login button[type=submit]');
    await waitFor('the login error', async () =>
      /not valid/.test(await page.locator('#login-error').innerText()) ? true : undefined,
    );
    expect(await page.locator('#mesh').isHidden()).toBe(true);
    // Nothing of the mesh reached the page: its stream was never opened.
    expect(await page.locator('g.node').count()).toBe(0);
  });

  it('shows the demo services, their edges with live numbers, proxies and config events', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.fill('#token', viewerToken);
    await page.click('#login button[type=submit]');
    await page.locator('#mesh').waitFor({ timeout: 20_000 });
    expect(await page.locator('#who').innerText()).toBe('viewer (read)');

    for (const service of ['default/web', 'default/api', 'default/api-v1', 'default/api-v2']) {
      await page.locator(`g.node[data-service="${service}"]`).waitFor({ timeout: 20_000 });
    }
    for (const destination of ['default/api-v1', 'default/api-v2']) {
      await waitFor(
        `a live label on web → ${destination}`,
        async () => {
          const m = EDGE_LABEL.exec(await edgeLabel(destination));
          return m && Number(m[1]) > 0 ? m : undefined;
        },
        20_000,
      );
    }
    // The numbers are the mesh's: v1 never fails; v2 fails every call to /fail-on/api-v2 it gets.
    expect(await edgeLabel('default/api-v1')).toContain('· 100% ·');
    await waitFor('web → api-v2 to show its failures', async () => {
      const share = EDGE_LABEL.exec(await edgeLabel('default/api-v2'))?.[2];
      return share !== undefined && Number(share) < 100 ? true : undefined;
    });

    // Live: the label changes as new stats arrive, without a reload.
    const before = await edgeLabel('default/api-v1');
    await waitFor('the web → api-v1 label to update', async () =>
      (await edgeLabel('default/api-v1')) !== before ? true : undefined,
    );
    expect(await page.locator('#link').innerText()).toBe('live');

    // Each Service's node carries what its instances served: api-v1 and api-v2 are label
    // selectors over api's instances, so api counts both.
    const node = (service: string): Promise<string | null> =>
      page.locator(`g.node[data-service="${service}"] text.node-detail`).textContent();
    expect(await node('default/web')).toMatch(/^\d+(\.\d+)? rps · 100% · p99 /);
    expect(await node('default/api-v1')).toMatch(/^\d+(\.\d+)? rps · 100% · p99 /);
    for (const service of ['default/api', 'default/api-v2']) {
      expect(await node(service)).toMatch(/^\d+(\.\d+)? rps · \d+(\.\d)?% · p99 /);
    }

    for (const id of ['api-1', 'api-2', 'web-1']) {
      const row = page.locator(`#proxies tr[data-proxy="${id}"]`);
      expect(await row.locator('.badge').innerText()).toBe('ACK');
    }
    // Where each instance runs, and the control plane's cluster.
    expect(await page.locator('#cluster').innerText()).toBe('cluster east');
    const locality = (service: string, instance: string) =>
      page
        .locator(
          `#endpoints tr[data-service="${service}"][data-instance="${instance}"] td.locality`,
        )
        .innerText({ timeout: 20_000 });
    expect(await locality('default/web', 'web-1')).toBe('east');
    expect(await locality('default/api', 'api-1')).toBe('east');
    expect(await locality('default/api', 'api-2')).toBe('east/us-east/us-east-1a');
    expect(await locality('default/api-v2', 'api-2')).toBe('east/us-east/us-east-1a');
    const applied = page.locator('#events li[data-event="config.applied"]').first();
    expect(await applied.innerText()).toContain('HTTPRoute/default/api created');
    expect(errors).toEqual([]);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('says there is no site until a WorkloadGroup registers the site workload, then shows it', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await waitFor('the control plane refusing kiosk-1', async () => {
      const text = (await http(`${server}/metrics`)).body;
      return Number(/^weft_unregistered_workloads_total (\d+)/m.exec(text)?.[1] ?? 0) > 0
        ? true
        : undefined;
    });
    const sites = page.locator('#sites tbody');
    expect(await sites.innerText()).toBe('no site: no workload outside a cluster is registered');
    expect(await page.locator('#endpoints tr[data-instance="kiosk-1"]').count()).toBe(0);

    await mesh.applyOk(KIOSK_GROUP);
    const row = page.locator('#sites tr[data-site="edge-1"][data-instance="kiosk-1"]');
    await row.waitFor({ timeout: 20_000 });
    const cell = (name: string) => row.locator(`td.${name}`).innerText();
    expect(await cell('site')).toBe('edge-1');
    expect(await cell('service')).toBe('kiosk');
    expect(await cell('identity')).toBe('ns/default/sa/kiosk');
    expect(await cell('locality')).toBe('local/edge');
    expect(await cell('group')).toBe('kiosk');
    expect(await cell('ready')).toBe('yes');
    expect(await row.innerText()).toContain(`127.0.0.1:${kiosk.inboundPort}`);
    expect(await sites.locator('tr').count()).toBe(1);
    // Its endpoint says where it runs: the group's region, at its site.
    const endpoint = page.locator(
      '#endpoints tr[data-service="default/kiosk"][data-instance="kiosk-1"] td.locality',
    );
    expect(await endpoint.innerText({ timeout: 20_000 })).toBe('local/edge · site edge-1');
    expect(errors).toEqual([]);
  });

  it('keeps the session in an HttpOnly, SameSite=Strict cookie that reads only, until logout', async () => {
    const [cookie] = await page.context().cookies(server);
    expect(cookie).toMatchObject({ name: 'weft_session', httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate('document.cookie')).toBe('');
    const history = (await http(`${server}/v1/history`)).body;
    // The page's own write with the session alone: refused (a session never writes).
    const write = await page.evaluate(async () => {
      const res = await fetch('/v1/rollback/1', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      return res.status;
    });
    expect(write).toBe(401);
    expect((await http(`${server}/v1/history`)).body).toBe(history);
    await page.click('#logout');
    await page.locator('#login').waitFor();
    const stream = await page.evaluate(async () => (await fetch('/v1/stream')).status);
    expect(stream).toBe(401);
  });

  it('serves its own files only, under a policy that allows nothing else', async () => {
    const script = await http(`${server}/dashboard/dashboard.js`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['content-security-policy']).toContain("default-src 'none'");
    for (const path of ['nope.js', '..%2fpackage.json', 'constructor', '%2e%2e']) {
      expect((await http(`${server}/dashboard/${path}`)).status).toBe(404);
    }
  });
});
