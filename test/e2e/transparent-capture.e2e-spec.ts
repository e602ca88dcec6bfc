// Transparent capture for real: `weft init-capture` in a Linux network namespace, an unmodified client calling http://api/.
import { chmod, chown, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROXY_UID } from '@app/protocol';
import { agent, http } from '../support/admin-client.js';
import { AppProcess } from '../support/app-process.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { peerAuthentication } from '../support/manifests.js';
import { Mesh } from '../support/mesh.js';
import { NetNamespace, whyNoNetns } from '../support/netns.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = resolve(ROOT, 'dist/apps/cli/main.js');
const SIDECAR = resolve(ROOT, 'dist/apps/sidecar/main.js');
/** The pod's app: answers with what it received, on every address of the pod. */
const WEB_APP_PORT = 8080;
const WEB_APP = `require('node:http')
  .createServer((q, s) => s.end(JSON.stringify({ app: 'web', url: q.url, headers: q.headers })))
  .listen(${WEB_APP_PORT}, '0.0.0.0', () => console.log('listening'));`;
/** An unmodified client: plain fetch, no proxy setting, the name resolved by /etc/hosts. */
const CLIENT = `fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })
  .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))
  .catch((e) => console.log(JSON.stringify({ error: String(e.cause?.code ?? e.message) })));`;

interface ClientResult {
  status?: number;
  body?: string;
  error?: string;
}

const unavailable = await whyNoNetns();
if (unavailable !== undefined) {
  process.stderr.write(`\n!!! transparent-capture e2e SKIPPED: ${unavailable} !!!\n\n`);
}
const suite = unavailable === undefined ? describe : describe.skip;

suite('transparent capture (weft init-capture) in a network namespace', () => {
  let ns: NetNamespace;
  let mesh: Mesh;
  let api: EchoServer;
  let filesDir: string;
  const inPod: AppProcess[] = [];
  /** Only PATH: no HTTP_PROXY or NODE_OPTIONS reaches the pod's programs. */
  const bareEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

  beforeAll(async () => {
    ns = await NetNamespace.create(
      ({ hostAddress }) => `127.0.0.1 localhost\n${hostAddress} api\n`,
    );
    mesh = await Mesh.start(undefined, { args: ['-a', ns.hostAddress] });
    const natsUrl = `nats://${ns.hostAddress}:${mesh.nats.port}`;
    await mesh.startControlPlane({ NATS_URL: natsUrl });

    // api: an ordinary sidecar on this side of the veth, reachable at the host address.
    api = await new EchoServer('api').start();
    const apiAdmin = await freePort();
    const apiEnv = {
      NATS_URL: natsUrl,
      WEFT_SERVICE: 'api',
      WEFT_INSTANCE_ID: 'api-1',
      WEFT_APP_PORT: String(api.port),
      WEFT_ADMIN_PORT: String(apiAdmin),
      WEFT_INBOUND_PORT: String(await freePort()),
      WEFT_OUTBOUND_PORT: String(await freePort()),
      WEFT_BIND_ADDRESS: ns.hostAddress,
      WEFT_ADVERTISE_ADDRESS: ns.hostAddress,
      WEFT_STATE_DIR: mesh.stateDir,
      ...timing(),
    };
    const apiSidecar = AppProcess.start('sidecar', 'sidecar-api-1', {
      ...apiEnv,
      ...(await mesh.credentials?.proxyEnv('sidecar', apiEnv)),
    });
    inPod.push(apiSidecar);
    await ready(apiSidecar, `http://${ns.hostAddress}:${apiAdmin}`);

    // web: its app and its sidecar inside the pod, the sidecar as the proxy user with the default ports.
    filesDir = await mkdtemp(join(tmpdir(), 'weft-capture-'));
    await chmod(filesDir, 0o755);
    const webEnv = { WEFT_SERVICE: 'web' };
    const creds = (await mesh.credentials?.proxyEnv('sidecar', webEnv))?.WEFT_NATS_CREDS;
    const podCreds = join(filesDir, 'web.creds');
    if (creds) await copyFile(creds, podCreds);
    const stateDir = join(filesDir, 'state');
    await mkdir(stateDir);
    await chown(stateDir, PROXY_UID, PROXY_UID);
    if (creds) await chown(podCreds, PROXY_UID, PROXY_UID);

    const webApp = AppProcess.adopt(
      'web-app',
      ns.spawn(process.execPath, ['-e', WEB_APP], bareEnv),
    );
    inPod.push(webApp);
    await waitFor('the web app to listen', () =>
      webApp.logs().includes('listening') ? true : undefined,
    );
    const webSidecar = AppProcess.adopt(
      'sidecar-web-1',
      ns.spawn(
        'setpriv',
        [
          ...['--reuid', String(PROXY_UID), '--regid', String(PROXY_UID), '--clear-groups'],
          // To read the repository wherever CI cloned it, as the proxy user.
          ...['--inh-caps', '+dac_read_search', '--ambient-caps', '+dac_read_search'],
          process.execPath,
          SIDECAR,
        ],
        {
          ...bareEnv,
          NATS_URL: natsUrl,
          WEFT_SERVICE: 'web',
          WEFT_INSTANCE_ID: 'web-1',
          WEFT_APP_PORT: String(WEB_APP_PORT),
          WEFT_ADVERTISE_ADDRESS: ns.podAddress,
          WEFT_STATE_DIR: stateDir,
          ...timing(),
          ...(creds ? { WEFT_NATS_CREDS: podCreds } : {}),
        },
      ),
    );
    inPod.push(webSidecar);
    await ready(webSidecar, `http://${ns.podAddress}:15000`);
    await waitFor('api-1 in the endpoints of api', async () =>
      (await mesh.endpointIds('api')).includes('api-1') ? true : undefined,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(inPod.map((p) => p.stop(5_000)));
    await Promise.allSettled([mesh?.stop(), api?.stop(), agent.close()]);
    await ns?.remove();
    if (filesDir) await rm(filesDir, { recursive: true, force: true });
  }, 60_000);

  /** The mesh's heartbeat interval: the control plane expires instances after its misses. */
  function timing(): Record<string, string> {
    return { WEFT_HEARTBEAT_INTERVAL_MS: String(mesh.timing.heartbeatMs) };
  }

  async function ready(proc: AppProcess, admin: string): Promise<void> {
    await waitFor(
      `${proc.name} /readyz`,
      async () => {
        if (!proc.running) throw new Error(`${proc.name} exited`);
        return (await http(`${admin}/readyz`)).status === 200 ? true : undefined;
      },
      30_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${proc.logTail()}`);
    });
  }

  /** The unmodified client, inside the pod. */
  async function client(url: string): Promise<ClientResult> {
    return JSON.parse(
      await ns.exec(process.execPath, ['-e', CLIENT, url], bareEnv),
    ) as ClientResult;
  }

  const weft = (...args: string[]): Promise<string> =>
    ns.exec(process.execPath, [CLI, 'init-capture', ...args], bareEnv);

  /** Weft's lines of the pod's nat table. */
  async function weftRules(): Promise<string[]> {
    const saved = await ns.exec('iptables-save', ['-t', 'nat']);
    return saved.split('\n').filter((l) => l.includes('WEFT_'));
  }

  it('without capture, http://api/ does not reach the mesh', async () => {
    expect(await weftRules()).toEqual([]);
    const before = api.received.length;
    const res = await client('http://api/hello');
    expect(res.body ?? '').not.toContain('"name":"api"');
    expect(api.received.length).toBe(before);
  });

  it('with capture, an unmodified client reaches api through its sidecar, and the sidecar’s own calls are not looped', async () => {
    // Every outbound port: without the uid exemption the sidecar's own calls (NATS, api's
    // inbound listener) would be redirected to itself.
    expect(await weft('--outbound-ports', '*')).toContain(
      'captured: inbound ports * → 15006, outbound ports * to * → 15001 (uid 1337 exempt)',
    );
    const res = await client('http://api/hello?from=pod');
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body!) as EchoReply;
    expect(seen.name).toBe('api');
    expect(seen.url).toBe('/hello?from=pod');
    expect(seen.headers.host).toBe('api');
    // Two proxy hops: the pod's sidecar (the client keeps its source address through the
    // redirect), then api's (called by the pod's sidecar).
    expect(seen.headers['x-forwarded-for']).toBe(`${ns.podAddress}, ${ns.podAddress}`);
  });

  it('captures inbound: a call to the pod’s app port goes through its sidecar', async () => {
    // The caller on the host has no mesh certificate: web takes plaintext too (PERMISSIVE).
    await mesh.converged(await mesh.applyOk(peerAuthentication('web', 'PERMISSIVE')), ['web-1']);
    const res = await http(`http://${ns.podAddress}:${WEB_APP_PORT}/inbound`);
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as {
      app: string;
      url: string;
      headers: Record<string, string>;
    };
    expect(seen.app).toBe('web');
    expect(seen.url).toBe('/inbound');
    // Only a proxy hop adds this: the app itself was called by the sidecar's inbound listener.
    expect(seen.headers['x-forwarded-for']).toBeDefined();
    // The proxy's admin port is never captured (probes reach it).
    expect((await http(`http://${ns.podAddress}:15000/healthz`)).status).toBe(200);
  });

  it('is idempotent: applying again leaves the same rules, new settings replace the old', async () => {
    const once = await weftRules();
    await weft('--outbound-ports', '*');
    expect(await weftRules()).toEqual(once);
    await weft('--outbound-ports', '80,8081');
    const changed = await weftRules();
    expect(changed).not.toContain('-A WEFT_OUTPUT -p tcp -j WEFT_OUT_REDIRECT');
    expect(changed).toContain('-A WEFT_OUTPUT -p tcp -m tcp --dport 80 -j WEFT_OUT_REDIRECT');
    expect(changed).toContain('-A WEFT_OUTPUT -p tcp -m tcp --dport 8081 -j WEFT_OUT_REDIRECT');
    expect(changed.filter((l) => l.startsWith('-A OUTPUT'))).toEqual([
      '-A OUTPUT -p tcp -j WEFT_OUTPUT',
    ]);
    expect((await client('http://api/again')).status).toBe(200);
  });

  it('--dry-run prints the rules and changes nothing; --cleanup removes every rule', async () => {
    const before = await weftRules();
    const dry = await weft('--dry-run', '--outbound-ports', '9999');
    expect(dry).toContain('-A WEFT_OUTPUT -p tcp --dport 9999 -j WEFT_OUT_REDIRECT');
    expect(await weftRules()).toEqual(before);

    expect(await weft('--cleanup')).toContain('removed the capture rules');
    expect(await weftRules()).toEqual([]);
    expect(await weft('--cleanup')).toContain('no capture rules to remove');
    const after = api.received.length;
    expect((await client('http://api/gone')).body ?? '').not.toContain('"name":"api"');
    expect(api.received.length).toBe(after);
  });
});
