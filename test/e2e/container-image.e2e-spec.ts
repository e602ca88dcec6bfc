// The image on the local Docker engine: a secure NATS, the control plane and two services' sidecars as containers; routing, drain on docker stop.
import { execFile } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { agent, http, isReady, json, useAdminToken } from '../support/admin-client.js';
import { EchoServer, type EchoReply } from '../support/echo-server.js';
import { freePort } from '../support/free-port.js';
import { MeshCredentials } from '../support/mesh-credentials.js';
import { findDockerHost } from '../support/nats-backend.js';
import { startNats, type NatsHandle } from '../support/nats-fixture.js';
import { waitFor } from '../support/wait-for.js';
import { CONTAINER_FILES, weftImage, WeftContainer } from '../support/weft-container.js';

const execFileAsync = promisify(execFile);
const TIMING = {
  WEFT_HEARTBEAT_INTERVAL_MS: '250',
  WEFT_HEARTBEAT_MISSES: '3',
  WEFT_DRAIN_GRACE_MS: '1000',
  WEFT_DRAIN_TIMEOUT_MS: '20000',
};
const ROUTE = `
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { selector: { app: api } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: api }
spec:
  parentRefs: [{ group: "", kind: Service, name: api }]
  rules:
    - filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: { set: [{ name: x-routed-by, value: container-control-plane }] }
      backendRefs: [{ name: api, port: 80 }]
`;

const unavailable = await whyNoDocker();
if (unavailable !== undefined) {
  process.stderr.write(
    `\n!!! container-image e2e SKIPPED: ${unavailable}; start one with \`bash scripts/docker-engine.sh start\` !!!\n\n`,
  );
}
const suite = unavailable === undefined ? describe : describe.skip;

suite('the image on Docker: a meshed pair of services in containers', () => {
  let image: string;
  let stateDir: string;
  let nats: NatsHandle;
  let web: EchoServer;
  let api: HeldApp;
  const containers: WeftContainer[] = [];
  const sidecars = new Map<string, { container: WeftContainer; admin: number; outbound: number }>();

  beforeAll(async () => {
    image = await weftImage();
    stateDir = await mkdtemp(join(tmpdir(), 'weft-image-e2e-'));
    const credentials = await MeshCredentials.create(stateDir);
    nats = await startNats({ trust: credentials });
    web = await new EchoServer('web').start();
    api = await new HeldApp().start();

    const cpAdmin = await freePort();
    const cp = credentials.controlPlaneEnv();
    // The operator's admin token, as a mounted Secret would hold it: the admin API authenticates.
    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = join(stateDir, 'admin-token');
    await writeFile(tokenFile, adminToken, { mode: 0o600 });
    await start(
      'control-plane',
      cpAdmin,
      ['control-plane'],
      {
        NATS_URL: nats.url,
        WEFT_ADMIN_PORT: String(cpAdmin),
        WEFT_BIND_ADDRESS: '127.0.0.1',
        WEFT_NATS_CREDS: `${CONTAINER_FILES}/${basename(cp.WEFT_NATS_CREDS)}`,
        WEFT_NATS_SYSTEM_CREDS: `${CONTAINER_FILES}/${basename(cp.WEFT_NATS_SYSTEM_CREDS)}`,
        // The mesh CA's key, as a mounted Secret would hold it: sidecars get their certificates.
        WEFT_CA_ENCRYPTION_KEY_FILE: `${CONTAINER_FILES}/${basename(cp.WEFT_CA_ENCRYPTION_KEY_FILE)}`,
        WEFT_ADMIN_TOKEN_FILE: `${CONTAINER_FILES}/admin-token`,
        ...TIMING,
      },
      [...Object.values(cp), tokenFile],
    );
    controlPlane = `http://127.0.0.1:${cpAdmin}`;
    useAdminToken(controlPlane, adminToken);

    for (const [service, appPort] of [
      ['web', web.port],
      ['api', api.port],
    ] as const) {
      const [admin, inbound, outbound] = [await freePort(), await freePort(), await freePort()];
      const creds = await credentials.credsFile({
        role: 'proxy',
        identity: { namespace: 'default', service, serviceAccount: service },
      });
      const container = await start(
        `${service}-1`,
        admin,
        ['sidecar'],
        {
          NATS_URL: nats.url,
          WEFT_NATS_CREDS: `${CONTAINER_FILES}/${basename(creds)}`,
          WEFT_SERVICE: service,
          WEFT_INSTANCE_ID: `${service}-1`,
          WEFT_APP_PORT: String(appPort),
          WEFT_ADMIN_PORT: String(admin),
          WEFT_INBOUND_PORT: String(inbound),
          WEFT_OUTBOUND_PORT: String(outbound),
          WEFT_BIND_ADDRESS: '127.0.0.1',
          ...TIMING,
        },
        [creds],
      );
      sidecars.set(service, { container, admin, outbound });
    }
  }, 420_000);

  let controlPlane: string;

  /** Runs a container of the image and waits for its /readyz, with its logs on failure. */
  async function start(
    name: string,
    adminPort: number,
    args: string[],
    env: Record<string, string>,
    files: string[],
  ): Promise<WeftContainer> {
    const container = await WeftContainer.run(image, { name, args, env, files });
    containers.push(container);
    await waitFor(`${name} /readyz`, () => isReady(adminPort), 30_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await container.logs()}`);
    });
    return container;
  }

  afterAll(async () => {
    if (process.env.WEFT_E2E_KEEP_CONTAINER_LOGS) {
      for (const c of containers) process.stderr.write(await c.logs());
    }
    await Promise.allSettled(containers.map((c) => c.remove()));
    await Promise.allSettled([nats?.stop(), web?.stop(), api?.stop(), agent.close()]);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('runs every component as the image user 1337 on a read-only root filesystem', async () => {
    for (const container of containers) {
      expect(await container.inspect('{{.HostConfig.ReadonlyRootfs}}')).toBe('true');
      const pid = await container.inspect('{{.State.Pid}}');
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      // Real, effective, saved and filesystem uid of the container's process.
      expect(/^Uid:\s+(.*)$/m.exec(status)?.[1].split(/\s+/)).toEqual([
        '1337',
        '1337',
        '1337',
        '1337',
      ]);
    }
  });

  it('routes web → api through both sidecar containers by the control plane container’s config', async () => {
    const res = await http(`${controlPlane}/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: ROUTE,
    });
    expect(res.status).toBe(200);
    const { revision } = JSON.parse(res.body) as { revision: number };
    await waitFor('web-1 and api-1 to ACK the route', async () => {
      const { items } = await json<{
        items: { id: string; revision: number | null; status: string }[];
      }>(`${controlPlane}/v1/proxies`);
      const acked = items.filter((p) => p.status === 'ACK' && (p.revision ?? 0) >= revision);
      return ['web-1', 'api-1'].every((id) => acked.some((p) => p.id === id)) ? true : undefined;
    });

    const call = await http(`${outboundOf('web')}/hello`, { headers: { host: 'api' } });
    expect(call.status).toBe(200);
    const seen = JSON.parse(call.body) as Pick<EchoReply, 'url' | 'headers'>;
    expect(seen.url).toBe('/hello');
    expect(seen.headers['x-routed-by']).toBe('container-control-plane');
    // Two proxy hops: web's sidecar, then api's.
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1, 127.0.0.1');
  });

  it('drains on docker stop: the in-flight request is answered and the sidecar exits 0', async () => {
    const { container, admin } = sidecars.get('api')!;
    const inFlight = http(`${outboundOf('web')}/held`, { headers: { host: 'api' } });
    await api.arrived;
    const stopped = container.stop(40);
    await waitFor('api-1 to report draining', async () =>
      (await isReady(admin).catch(() => undefined)) === undefined ? true : undefined,
    );
    api.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body).toBe('held and answered');
    expect(await stopped).toBe(0);
    expect(await container.logs()).toContain('drained');
  });

  it('stops on Ctrl-C (SIGINT) too, with exit code 0', async () => {
    const { container } = sidecars.get('web')!;
    await execFileAsync('docker', ['kill', '--signal', 'INT', container.name]);
    await waitFor('web-1 to exit', async () =>
      (await container.inspect('{{.State.Running}}')) === 'false' ? true : undefined,
    );
    expect(await container.inspect('{{.State.ExitCode}}')).toBe('0');
  });

  function outboundOf(service: string): string {
    return `http://127.0.0.1:${sidecars.get(service)!.outbound}`;
  }
});

/** Why the suite cannot run here, or undefined when a Docker engine and the docker CLI answer. */
async function whyNoDocker(): Promise<string | undefined> {
  const host = await findDockerHost();
  if (host === undefined) return 'no Docker engine answers';
  process.env.DOCKER_HOST = host;
  return execFileAsync('docker', ['version', '--format', '{{.Server.Version}}']).then(
    () => undefined,
    (err: Error) => `the docker CLI does not reach ${host}: ${err.message}`,
  );
}

/** An app that echoes a request's url and headers as JSON, but holds `GET /held` until released. */
class HeldApp {
  private readonly server: Server = createServer((req, res) => {
    if (req.url === '/held') this.hold(res);
    else res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  private held: ServerResponse | undefined;
  private arrive!: () => void;
  /** Resolves once a request is being held. */
  readonly arrived = new Promise<void>((resolve) => (this.arrive = resolve));
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  release(): void {
    this.held?.end('held and answered');
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }

  private hold(res: ServerResponse): void {
    if (this.held !== undefined) {
      res.end('not held');
      return;
    }
    this.held = res;
    res.writeHead(200, { 'content-type': 'text/plain' });
    this.arrive();
  }
}
