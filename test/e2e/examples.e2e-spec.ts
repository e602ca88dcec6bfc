// The examples run as their READMEs say: each script a real process, the README's requests, Ctrl-C.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { http, json, useAdminToken } from '../support/admin-client.js';
import { AppProcess } from '../support/app-process.js';
import { freePort, freePortRun } from '../support/free-port.js';
import { connect } from '@nats-io/transport-node';
import { descendants, isRunning } from '../support/process-tree.js';
import { http1OverTls, http2OverTls, servedCertificate } from '../support/tls-client.js';
import { waitFor } from '../support/wait-for.js';
import { cells, lines, weft } from '../support/weft-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The last line of every script's "try it" block. */
const READY_LINE = 'Press Ctrl-C to stop everything.';
const START_TIMEOUT_MS = 45_000;
/** Calls sampled to check route.yaml's 80/20 split. */
const SAMPLE = 100;

/** What the demo app answers (examples/demo-service/server.mjs). */
interface DemoReply {
  service: string;
  version: string;
  instance: string;
  path: string;
  upstream?: DemoReply;
}

/** A running example script, the README ports it was moved off, and what it printed. */
class Example {
  private constructor(
    readonly proc: AppProcess,
    private readonly ports: ReadonlyMap<number, number>,
  ) {}

  /**
   * `node <script>` with each of `readmePorts` moved to a free port (WEFT_EXAMPLE_PORTS); `run` is
   * a run of that many consecutive README ports (router replicas' admin ports), which move together.
   */
  static async start(
    script: string,
    readmePorts: readonly number[],
    env: Record<string, string> = {},
    run: { from: number; count: number } | undefined = undefined,
  ): Promise<Example> {
    const ports = new Map<number, number>();
    if (run) ports.set(run.from, await freePortRun(run.count));
    for (const p of readmePorts) ports.set(p, await freePort());
    const moved = [...ports].map(([from, to]) => `${from}=${to}`).join(',');
    const proc = AppProcess.node(script, script, { WEFT_EXAMPLE_PORTS: moved, ...env });
    const example = new Example(proc, ports);
    const ready = await waitFor(
      `${script} to print "${READY_LINE}"`,
      () => (example.printed.includes(READY_LINE) ? true : proc.running ? undefined : false),
      START_TIMEOUT_MS,
      100,
    ).catch((err: Error) => err);
    if (ready !== true) {
      await example.dispose();
      const why = ready === false ? 'exited before it was ready' : ready.message;
      throw new Error(`${script} ${why}\n${proc.logTail()}`);
    }
    return example;
  }

  /** Where the example listens for what its README says is on `readmePort`. */
  port(readmePort: number): number {
    return this.ports.get(readmePort) ?? readmePort;
  }

  get printed(): string {
    return this.proc.logs().join('\n');
  }

  /** The first capture of `pattern` in the output (a path or URL the script printed). */
  find(pattern: RegExp): string {
    const match = pattern.exec(this.printed);
    if (!match) throw new Error(`${this.proc.name} printed nothing like ${pattern}`);
    return match[1];
  }

  /**
   * The control plane `server` the script printed, with the admin token its "try it" lines read
   * (`export WEFT_TOKEN=$(cat FILE)`): the test's requests and CLI runs there carry it.
   */
  controlPlane(pattern: RegExp): string {
    const server = this.find(pattern);
    const tokenFile = this.find(/export WEFT_TOKEN=\$\(cat (\S+)\)/);
    useAdminToken(server, readFileSync(tokenFile, 'utf8').trim());
    return server;
  }

  /** After a failure: stopped as by `kill` (then SIGKILL), and whatever it started with it. */
  async dispose(): Promise<void> {
    const tree = descendants(this.proc.pid);
    await this.proc.stop(20_000);
    for (const pid of tree.filter(isRunning)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }

  /** Ctrl-C: the exit code, and every process it had started that still runs. */
  async interrupt(): Promise<{ code: number | null; started: number; left: number[] }> {
    const tree = descendants(this.proc.pid);
    this.proc.signal('SIGINT');
    const code = await this.proc.exited;
    return { code, started: tree.length, left: tree.filter(isRunning) };
  }
}

/** `GET url` with `Host: host` (and more headers), the body read as the demo app's JSON. */
async function get(
  url: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; reply: DemoReply }> {
  const res = await http(url, { headers: { host, ...headers } });
  const reply = (
    res.headers['content-type'] === 'application/json' ? JSON.parse(res.body) : {}
  ) as DemoReply;
  return { status: res.status, headers: res.headers, reply };
}

/** `n` calls of `call`, counted by the `version` of the api that answered (or the HTTP status). */
async function versions(
  n: number,
  call: () => Promise<{ status: number; reply: DemoReply }>,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const { status, reply } = await call();
    const key = status === 200 && reply.service === 'api' ? reply.version : `HTTP ${status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** route.yaml's split, roughly: 80/20 between v1 and v2 on a sample of SAMPLE calls, no failure. */
function expectCanarySplit(counts: Record<string, number>): void {
  expect(Object.keys(counts).sort()).toEqual(['v1', 'v2']);
  expect(counts.v1 + counts.v2).toBe(SAMPLE);
  expect(counts.v1).toBeGreaterThanOrEqual(SAMPLE * 0.65);
  expect(counts.v1).toBeLessThanOrEqual(SAMPLE * 0.95);
}

/** Ctrl-C stops the script and everything it started, and it exits 0. */
async function expectCleanStop(example: Example): Promise<void> {
  const { code, started, left } = await example.interrupt();
  expect(started).toBeGreaterThan(0);
  expect({ code, left }).toEqual({ code: 0, left: [] });
}

const readExample = (path: string): string => readFileSync(join(ROOT, 'examples', path), 'utf8');

describe('the examples share their resource files', () => {
  it('route.yaml is the same in every example; services.yaml the same wherever instances register alike', () => {
    const all = ['edge', 'router-mesh', 'node', 'standalone', 'full-mesh'];
    const route = readExample('full-mesh/route.yaml');
    expect(route).toContain('kind: HTTPRoute');
    for (const name of all)
      expect([name, readExample(`${name}/route.yaml`)]).toEqual([name, route]);
    const staticEndpoints = readExample('edge/services.yaml');
    expect(staticEndpoints).toContain('kind: ExternalService');
    for (const name of ['router-mesh', 'standalone']) {
      expect([name, readExample(`${name}/services.yaml`)]).toEqual([name, staticEndpoints]);
    }
    const selectors = readExample('full-mesh/services.yaml');
    expect(selectors).toContain('selector: { app: api, version: v2 }');
    expect(readExample('node/services.yaml')).toBe(selectors);
  });
});

describe('examples/edge: node scripts/examples/edge.mjs', () => {
  const WEB = 'web.example.test';
  const API = 'api.example.test';
  let example: Example;
  let ca: Buffer;
  const tls = (servername: string) => ({
    host: '127.0.0.1',
    port: example.port(8443),
    servername,
    ca,
  });

  beforeAll(async () => {
    example = await Example.start(
      'scripts/examples/edge.mjs',
      [8080, 8443, 15000, 9101, 9102, 9103],
    );
    ca = readFileSync(example.find(/--cacert (\S+)/));
  });

  afterAll(() => example?.dispose());

  it('redirects HTTP to HTTPS with 301', async () => {
    const res = await http(`http://127.0.0.1:${example.port(8080)}/cart?x=1`, {
      headers: { host: WEB },
    });
    expect([res.status, res.headers.location]).toEqual([
      301,
      `https://${WEB}:${example.port(8443)}/cart?x=1`,
    ]);
  });

  it('serves web over HTTP/2 and HTTP/1.1, each name with its own certificate', async () => {
    const h2 = await http2OverTls(tls(WEB), '/');
    expect([h2.status, h2.alpn, (JSON.parse(h2.body) as DemoReply).service]).toEqual([
      200,
      'h2',
      'web',
    ]);
    const h1 = await http1OverTls(tls(WEB), '/');
    expect([h1.status, h1.alpn, (JSON.parse(h1.body) as DemoReply).service]).toEqual([
      200,
      'http/1.1',
      'web',
    ]);
    expect((await servedCertificate(tls(API))).subject.CN).toBe(API);
    expect((await servedCertificate(tls(WEB))).subject.CN).toBe(WEB);
  });

  it('routes by path on web.example.test and by host to the shared canary route', async () => {
    const path = JSON.parse((await http2OverTls(tls(WEB), '/api/items')).body) as DemoReply;
    expect([path.service, path.path]).toEqual(['api', '/api/items']);
    const canary = await versions(5, async () => {
      const res = await http2OverTls(tls(API), '/', { headers: { 'x-canary': 'yes' } });
      return { status: res.status, reply: JSON.parse(res.body) as DemoReply };
    });
    expect(canary).toEqual({ v2: 5 });
    expectCanarySplit(
      await versions(SAMPLE, async () => {
        const res = await http2OverTls(tls(API), '/');
        return { status: res.status, reply: JSON.parse(res.body) as DemoReply };
      }),
    );
  });

  it('answers 404 no_route for a host no route serves', async () => {
    const res = await http1OverTls(tls(WEB), '/', { host: 'admin.example.test' });
    expect([res.status, res.headers['x-weft-error']]).toEqual([404, 'no_route']);
  });

  it('stops on Ctrl-C: exit 0, nothing it started left running', async () => {
    await expectCleanStop(example);
  });
});

describe('examples/router-mesh: node scripts/examples/router-mesh.mjs', () => {
  let example: Example;
  let router: string;

  beforeAll(async () => {
    example = await Example.start(
      'scripts/examples/router-mesh.mjs',
      [8080, 15010, 9101, 9102, 9103],
      // No NATS_URL, as the README runs it: the script starts its own secure nats-server.
      {},
      { from: 15000, count: 2 },
    );
    router = `http://127.0.0.1:${example.port(8080)}`;
  });

  afterAll(async () => {
    await example?.dispose();
  });

  it('web reaches api through the routers', async () => {
    const { status, reply } = await get(`${router}/`, 'web');
    expect([status, reply.service, reply.upstream?.service]).toEqual([200, 'web', 'api']);
  });

  it('applies the shared canary route: x-canary to v2, the rest 80/20', async () => {
    expect(await versions(5, () => get(`${router}/`, 'api', { 'x-canary': 'yes' }))).toEqual({
      v2: 5,
    });
    expectCanarySplit(await versions(SAMPLE, () => get(`${router}/`, 'api')));
  });

  it('weft status shows both router replicas ACKing the revision', async () => {
    const server = example.controlPlane(/weft\.js status -s (\S+)/);
    const { code, stdout } = await weft(['status'], { server });
    const rows = lines(stdout).map(cells);
    expect(code).toBe(0);
    for (const id of ['router-0', 'router-1']) {
      expect(rows.find((r) => r[0] === id)?.[4]).toBe('ACK');
    }
  });

  it('stops on Ctrl-C: exit 0, nothing it started left running', async () => {
    await expectCleanStop(example);
  });
});

describe('examples/node: node scripts/examples/node.mjs', () => {
  let example: Example;
  let nodeA: string;
  let server: string;

  const endpoints = async (): Promise<Record<string, string[]>> => {
    const { items } = await json<{
      items: { service: string; endpoints: { instanceId: string }[] }[];
    }>(`${server}/v1/endpoints`);
    const of = (service: string) =>
      (items.find((s) => s.service === service)?.endpoints ?? []).map((e) => e.instanceId).sort();
    return { api: of('api'), web: of('web') };
  };

  beforeAll(async () => {
    example = await Example.start(
      'scripts/examples/node.mjs',
      [15000, 15001, 15002, 15003, 15010, 9101, 9102, 9103, 9104],
    );
    nodeA = `http://127.0.0.1:${example.port(15001)}`;
    server = example.controlPlane(/weft\.js get endpoints -s (\S+)/);
  });

  afterAll(async () => {
    await example?.dispose();
    // Something died (the test's kill -9), so the script kept its logs.
    const kept = /logs kept in (\S+)\/logs/.exec(example?.printed ?? '');
    if (kept) rmSync(kept[1], { recursive: true, force: true });
  });

  it('web reaches api through the node proxies', async () => {
    const { status, reply } = await get(`${nodeA}/`, 'web');
    expect([status, reply.service, reply.upstream?.service]).toEqual([200, 'web', 'api']);
  });

  it('applies the shared canary route: x-canary to v2, the rest 80/20', async () => {
    expect(await versions(5, () => get(`${nodeA}/`, 'api', { 'x-canary': 'yes' }))).toEqual({
      v2: 5,
    });
    expectCanarySplit(await versions(SAMPLE, () => get(`${nodeA}/`, 'api')));
  });

  it('weft get endpoints lists two endpoints of api and of web, one per node', async () => {
    const { code, stdout } = await weft(['get', 'endpoints'], { server });
    expect(code).toBe(0);
    const rows = lines(stdout).map(cells);
    for (const service of ['api', 'web']) {
      expect(rows.find((r) => r[0] === service)?.[2].split(',')).toHaveLength(2);
    }
    expect(await endpoints()).toEqual({ api: ['api-1', 'api-2'], web: ['web-1', 'web-2'] });
  });

  it("kill -9 of node b's proxy takes only node b's workloads out", async () => {
    process.kill(Number(example.find(/kill -9 (\d+)/)), 'SIGKILL');
    await waitFor(
      "node b's instances to leave their endpoint sets",
      async () => {
        const now = await endpoints();
        return now.api.join() === 'api-1' && now.web.join() === 'web-1' ? now : undefined;
      },
      15_000,
    );
    // Node a's workloads serve on: web is web-1 alone, api v1 is api-1; v2 lived on node b only.
    const web = await get(`${nodeA}/`, 'web');
    expect([web.status, web.reply.instance]).toEqual([200, 'web-1']);
    expect(await versions(5, () => get(`${nodeA}/`, 'api-v1'))).toEqual({ v1: 5 });
    const v2 = await get(`${nodeA}/`, 'api', { 'x-canary': 'yes' });
    expect([v2.status, v2.headers['x-weft-error']]).toEqual([503, 'no_endpoints']);
  });

  it('stops on Ctrl-C: exit 0, nothing it started left running', async () => {
    await expectCleanStop(example);
  });
});

describe('examples/standalone: node scripts/examples/standalone.mjs', () => {
  let example: Example;
  let outbound: string;

  beforeAll(async () => {
    // No NATS at all: the sidecar reads its folder.
    example = await Example.start(
      'scripts/examples/standalone.mjs',
      [15000, 15001, 15006, 9101, 9102, 9103],
    );
    outbound = `http://127.0.0.1:${example.port(15001)}`;
  });

  afterAll(() => example?.dispose());

  it('fronts web on the inbound port; web reaches api through the outbound port', async () => {
    const { status, reply } = await get(`http://127.0.0.1:${example.port(15006)}/`, 'localhost');
    expect([status, reply.service, reply.upstream?.service]).toEqual([200, 'web', 'api']);
  });

  it('applies the shared canary route: x-canary to v2, the rest 80/20', async () => {
    expect(await versions(5, () => get(`${outbound}/`, 'api', { 'x-canary': 'yes' }))).toEqual({
      v2: 5,
    });
    expectCanarySplit(await versions(SAMPLE, () => get(`${outbound}/`, 'api')));
  });

  it("picks up the README's edit of its route.yaml at once: all to v2", async () => {
    const route = example.find(/sed -i '[^']*' (\S+route\.yaml)/);
    writeFileSync(route, readFileSync(route, 'utf8').replace('weight: 80', 'weight: 0'));
    await waitFor('every call to reach v2', async () => {
      const counts = await versions(20, () => get(`${outbound}/`, 'api'));
      return counts.v2 === 20 ? counts : undefined;
    });
  });

  it('stops on Ctrl-C: exit 0, nothing it started left running', async () => {
    await expectCleanStop(example);
  });
});

describe('examples/full-mesh: node scripts/demo.mjs', () => {
  let example: Example;
  let web1: number;

  beforeAll(async () => {
    example = await Example.start('scripts/demo.mjs', [15010]);
    // Its admin token, for every request and CLI run below (as a user exports WEFT_TOKEN first).
    example.controlPlane(/weft\.js status -s (\S+)/);
    web1 = Number(example.find(/curl -s -H 'Host: web' http:\/\/127\.0\.0\.1:(\d+)\//));
  });

  afterAll(async () => {
    await example?.dispose();
  });

  it('runs its bus secure: nats-server refuses a client without credentials', async () => {
    expect(example.printed).toContain('secure: each process has its own credentials');
    const url = example.find(/nats-server ready at (nats:\/\/\S+?),/);
    await expect(connect({ servers: url, reconnect: false })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });

  it('web reaches api through the sidecars, also with the sidecar as an HTTP proxy', async () => {
    const { status, reply } = await get(`http://127.0.0.1:${web1}/`, 'web');
    expect([status, reply.service, reply.upstream?.service]).toEqual([200, 'web', 'api']);
    // curl -x: the request line carries the absolute URL.
    const proxied = await new Promise<DemoReply>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: web1, path: 'http://web/' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(JSON.parse(body) as DemoReply));
      });
      req.on('error', reject);
      req.end();
    });
    expect([proxied.service, proxied.upstream?.service]).toEqual(['web', 'api']);
  });

  it('applies the shared canary route: x-canary to v2, the rest 80/20', async () => {
    const url = `http://127.0.0.1:${web1}/`;
    expect(await versions(5, () => get(url, 'api', { 'x-canary': 'yes' }))).toEqual({ v2: 5 });
    expectCanarySplit(await versions(SAMPLE, () => get(url, 'api')));
  });

  it('answers a host no route serves with its own 404 no_route', async () => {
    const res = await get(`http://127.0.0.1:${web1}/`, 'nowhere');
    expect([res.status, res.headers['x-weft-error']]).toEqual([404, 'no_route']);
  });

  it("says the route's edge Gateway parent is unmatched here by design", () => {
    const printed = lines(example.printed);
    const notice = printed.findIndex((l) =>
      l.endsWith('! Accepted=False (NoMatchingParent): Gateway default/edge not found'),
    );
    expect(notice).toBeGreaterThan(0);
    expect(printed[notice + 1]).toMatch(/ expected: only examples\/edge runs a Gateway; /);
  });

  it('prints a weft check that passes as printed: NATS found through the control plane', async () => {
    // `WEFT_NATS_CREDS=<a read-only token> node bin/weft.js check -s <control plane>`
    const printed = / {2}WEFT_NATS_CREDS=(\S+) node bin\/weft\.js check -s (\S+)/.exec(
      example.printed,
    );
    expect(printed).not.toBeNull();
    const [, creds, server] = printed!;
    const run = await weft(['check'], { server, env: { WEFT_NATS_CREDS: creds, NATS_URL: '' } });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const url = example.find(/nats-server ready at (nats:\/\/\S+?),/);
    expect(run.stdout).toContain(`✔ NATS reachable at ${url}, as the control plane names it`);
  });

  it('lists every sidecar as ACKing the revision', async () => {
    const server = example.controlPlane(
      /curl -s -H "authorization: Bearer \$WEFT_TOKEN" (\S+)\/v1\/proxies/,
    );
    const { items } = await json<{ items: { id: string; status: string }[] }>(
      `${server}/v1/proxies`,
    );
    expect(items.map((p) => `${p.id} ${p.status}`).sort()).toEqual([
      'api-1 ACK',
      'api-2 ACK',
      'web-1 ACK',
      'web-2 ACK',
    ]);
  });

  it('stops on Ctrl-C: exit 0, nothing it started left running', async () => {
    await expectCleanStop(example);
  });
});

describe('examples/multi-cluster: node scripts/examples/multi-cluster.mjs', () => {
  let example: Example;
  let outbound: string;

  /** Cluster `name`'s control plane, with the admin token the script printed for it. */
  const controlPlaneOf = (name: string): string => {
    const printed = new RegExp(
      `WEFT_TOKEN=\\$\\(cat (\\S+admin-token-${name})\\) node bin/weft\\.js status -s (\\S+)`,
    ).exec(example.printed);
    if (!printed) throw new Error(`the script printed no weft status line for ${name}`);
    useAdminToken(printed[2], readFileSync(printed[1], 'utf8').trim());
    return printed[2];
  };

  beforeAll(async () => {
    example = await Example.start(
      'scripts/examples/multi-cluster.mjs',
      [
        4222, 4223, 4224, 7422, 7423, 15010, 15020, 9101, 9103, 9105, 15000, 15001, 15006, 15100,
        15101, 15106, 15200, 15201, 15206,
      ],
    );
    outbound = `http://127.0.0.1:${example.port(15001)}`;
  });

  afterAll(async () => {
    await example?.dispose();
  });

  it("east's web calls the api west exports by its clusterset name: west answers, over the bus", async () => {
    const web = await get(`${outbound}/`, 'web');
    expect([web.status, web.reply.instance, web.reply.upstream?.instance]).toEqual([
      200,
      'web-east-1',
      'api-west-1',
    ]);
    const api = await get(`${outbound}/`, 'api.shop.svc.clusterset.local');
    expect([api.status, api.reply.service, api.reply.instance]).toEqual([200, 'api', 'api-west-1']);
  });

  it("site edge-1 (a leaf node of west) calls west's api, and west's api calls it, over the bus", async () => {
    const kiosk = await get(`http://127.0.0.1:${example.port(9105)}/`, 'kiosk');
    expect([kiosk.status, kiosk.reply.instance, kiosk.reply.upstream?.instance]).toEqual([
      200,
      'kiosk-edge-1',
      'api-west-1',
    ]);
    const fromWest = await get(`http://127.0.0.1:${example.port(15101)}/`, 'kiosk.shop');
    expect([fromWest.status, fromWest.reply.instance]).toEqual([200, 'kiosk-edge-1']);
  });

  it('weft get workloads on west lists the site workload its WorkloadGroup registers', async () => {
    const run = await weft(['get', 'workloads'], { server: controlPlaneOf('west') });
    expect(run.code).toBe(0);
    expect(lines(run.stdout).map(cells)).toEqual([
      ['INSTANCE', 'NAMESPACE', 'SERVICE', 'SITE', 'GROUP', 'READY'],
      ['kiosk-edge-1', 'shop', 'kiosk', 'edge-1', 'kiosk', 'yes'],
    ]);
  });

  it('weft status names each cluster, and east lists api.shop as imported from west', async () => {
    const east = controlPlaneOf('east');
    const west = controlPlaneOf('west');
    const eastStatus = await weft(['status'], { server: east });
    expect(eastStatus.code).toBe(0);
    const eastLines = lines(eastStatus.stdout);
    expect(eastLines[0]).toMatch(/ \(leader\), cluster east$/);
    const header = eastLines.findIndex((l) => l.startsWith('IMPORTED SERVICE'));
    expect(eastLines.slice(header + 1).map(cells)).toEqual([
      ['api.shop', 'west', '1', 'api-west-1'],
    ]);
    const westStatus = await weft(['status'], { server: west });
    expect(lines(westStatus.stdout)[0]).toMatch(/ \(leader\), cluster west$/);
    expect(westStatus.stdout).not.toContain('IMPORTED SERVICE');
    const westLines = lines(westStatus.stdout);
    const sites = westLines.findIndex((l) => l.startsWith('SITE'));
    expect(westLines.slice(sites + 1).map(cells)).toEqual([
      ['edge-1', '1/1', 'kiosk-edge-1 (kiosk.shop)'],
    ]);
    expect(eastStatus.stdout).not.toContain('SITE');
  });

  it('weft get endpoints -o wide says which cluster each instance runs in', async () => {
    const locality = async (cluster: string, service: string): Promise<string | undefined> => {
      const run = await weft(['get', 'endpoints', '-o', 'wide'], {
        server: controlPlaneOf(cluster),
      });
      return lines(run.stdout)
        .map(cells)
        .find((r) => r[0] === service && r[1] === 'shop')?.[4];
    };
    expect(await locality('east', 'web')).toBe('east');
    expect(await locality('west', 'api')).toBe('west');
  });

  it('stops on Ctrl-C: exit 0, nothing it started left running', async () => {
    await expectCleanStop(example);
  });
});
