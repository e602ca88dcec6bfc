// One cluster of a multi-cluster e2e test on one topology host: its own nats-server (the config
// `weft nats-config --cluster` writes, from the trust every cluster shares), control plane and
// sidecars, all real processes on that host; or a site: a nats-server `weft nats-config --site`
// writes, a leaf node of one cluster, with sidecars and no control plane.
import { execFile } from 'node:child_process';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { http, json, useAdminToken, type HttpResult } from './admin-client.js';
import { AppProcess, type WeftApp } from './app-process.js';
import { freePort } from './free-port.js';
import type { FAST_TIMING } from './mesh.js';
import type { MeshCredentials } from './mesh-credentials.js';
import type { TopologyHost } from './netns-topology.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'dist/apps/cli/main.js');

/**
 * Links are seen dead within seconds, not nats-server's default of minutes (2 min pings), so a cut
 * shows in a test's time: appended to each generated server config.
 */
const FAST_PINGS = 'ping_interval: "1s"\nping_max: 2\n';

/**
 * A sidecar's outbound listener binds the host's loopback only (its app's side): on a host in a
 * namespace, this relay, started there, stands in for the app calling out, so the test can.
 */
const OUTBOUND_RELAY = `const net = require('node:net');
const [host, port, target] = [process.env.RELAY_HOST, +process.env.RELAY_PORT, +process.env.RELAY_TARGET];
net.createServer((a) => {
  const b = net.connect(target, '127.0.0.1');
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}).listen(port, host);`;

export interface ClusterSidecar {
  readonly proc: AppProcess;
  readonly instanceId: string;
  /** URL on the outbound listener, to send with a `Host` header. */
  readonly outbound: string;
}

export class MeshCluster {
  readonly processes: AppProcess[] = [];
  /** The control plane's admin URL. */
  adminUrl = '';
  /** Where this cluster's components reach its NATS (inside the host). */
  readonly natsUrl: string;

  private constructor(
    readonly name: string,
    readonly host: TopologyHost,
    private readonly credentials: MeshCredentials,
    private readonly stateDir: string,
    clientPort: number,
    /** This cluster's leaf-node listener port (other clusters' links and sites dial it); 0: a site. */
    readonly leafPort: number,
    private readonly timing: typeof FAST_TIMING,
  ) {
    this.natsUrl = `nats://127.0.0.1:${clientPort}`;
  }

  /**
   * Writes the cluster's server config with `weft nats-config --cluster` (linked to each of
   * `links`: `host:port` of another cluster's leaf-node listener) and starts its nats-server.
   */
  static async start(
    name: string,
    host: TopologyHost,
    credentials: MeshCredentials,
    stateDir: string,
    timing: typeof FAST_TIMING,
    links: readonly string[] = [],
  ): Promise<MeshCluster> {
    const [clientPort, leafPort] = [await freePort(), await freePort()];
    const args = ['--cluster', name, '--leafnode-listen', `0.0.0.0:${leafPort}`];
    for (const link of links) args.push('--link', `nats-leaf://${link}`);
    const cluster = new MeshCluster(
      name,
      host,
      credentials,
      stateDir,
      clientPort,
      leafPort,
      timing,
    );
    // A server that started but never got ready would outlive the test: stopped here.
    await cluster.boot(args, `cluster-${name}.conf`).catch(async (err: unknown) => {
      await cluster.stop();
      throw err;
    });
    return cluster;
  }

  /**
   * A site `name`: its server (`weft nats-config --site`) a leaf node of the cluster whose leaf-node
   * listener is `link` (`host:port`), connecting as the user of `siteCredentials` (a .creds file).
   */
  static async startSite(
    name: string,
    host: TopologyHost,
    credentials: MeshCredentials,
    stateDir: string,
    timing: typeof FAST_TIMING,
    link: string,
    siteCredentials: string,
  ): Promise<MeshCluster> {
    const args = ['--site', name, '--link', `nats-leaf://${link}`];
    args.push('--site-credentials', siteCredentials);
    const site = new MeshCluster(name, host, credentials, stateDir, await freePort(), 0, timing);
    await site.boot(args, `site-${name}.conf`).catch(async (err: unknown) => {
      await site.stop();
      throw err;
    });
    return site;
  }

  private async boot(args: readonly string[], file: string): Promise<void> {
    const port = new URL(this.natsUrl).port;
    const cli = ['nats-config', '--out', this.credentials.dir, ...args];
    cli.push(
      '--listen',
      `0.0.0.0:${port}`,
      '--store-dir',
      join(this.stateDir, `nats-${this.name}`),
    );
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    await run(process.execPath, [CLI, ...cli], { env });
    const config = join(this.credentials.dir, file);
    await appendFile(config, FAST_PINGS);
    const nats = this.spawn('nats-server', `nats-${this.name}`, ['-c', config], {});
    await waitFor(`nats-server of ${this.name}`, () => {
      if (!nats.running) throw new Error(nats.logTail());
      return nats.logs().some((l) => l.includes('Server is ready')) || undefined;
    });
  }

  /** Where the test reaches this cluster's NATS (from outside the host). */
  get testNatsUrl(): string {
    return `nats://${this.host.address}:${new URL(this.natsUrl).port}`;
  }

  /** The nats-server process (first started). */
  get nats(): AppProcess {
    return this.processes[0];
  }

  /** Waits until this cluster's server logs `count` leaf-node connections made in all. */
  async linked(count = 1): Promise<void> {
    await waitFor(
      `cluster ${this.name}'s leaf-node links`,
      () =>
        this.nats.logs().filter((l) => l.includes('Leafnode connection created')).length >= count ||
        undefined,
      30_000,
    );
  }

  async startControlPlane(env: Record<string, string> = {}): Promise<void> {
    const adminPort = await freePort();
    const tokenFile = join(this.stateDir, `admin-token-${this.name}`);
    this.adminUrl = `http://${this.host.address}:${adminPort}`;
    const proc = this.app('control-plane', `control-plane-${this.name}`, {
      NATS_URL: this.natsUrl,
      WEFT_ADMIN_PORT: String(adminPort),
      WEFT_BIND_ADDRESS: this.host.address,
      WEFT_ADMIN_TOKEN_FILE: tokenFile,
      WEFT_CLUSTER: this.name,
      ...this.credentials.controlPlaneEnv(),
      ...env,
    });
    await this.ready(proc, this.adminUrl);
    useAdminToken(this.adminUrl, (await readFile(tokenFile, 'utf8')).trim());
  }

  /**
   * A sidecar of `service` in `namespace` whose app the test runs on `appPort` (testAddress), with
   * `extraEnv` on top of the harness's.
   */
  async startSidecar(
    service: string,
    namespace: string,
    instanceId: string,
    appPort: number,
    extraEnv: Record<string, string> = {},
  ): Promise<ClusterSidecar> {
    const [adminPort, inboundPort, outboundPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const env = { WEFT_SERVICE: service, WEFT_NAMESPACE: namespace };
    const proc = this.app('sidecar', `sidecar-${this.name}-${instanceId}`, {
      ...(await this.credentials.proxyEnv('sidecar', env)),
      ...env,
      NATS_URL: this.natsUrl,
      WEFT_INSTANCE_ID: instanceId,
      WEFT_APP_PORT: String(appPort),
      WEFT_APP_ADDRESS: this.host.testAddress,
      WEFT_ADMIN_PORT: String(adminPort),
      WEFT_INBOUND_PORT: String(inboundPort),
      WEFT_OUTBOUND_PORT: String(outboundPort),
      WEFT_BIND_ADDRESS: this.host.address,
      WEFT_ADVERTISE_ADDRESS: this.host.address,
      WEFT_STATE_DIR: join(this.stateDir, `sidecar-${this.name}-${instanceId}`),
      ...extraEnv,
    });
    await this.ready(proc, `http://${this.host.address}:${adminPort}`);
    if (this.host.address === '127.0.0.1')
      return { proc, instanceId, outbound: `http://127.0.0.1:${outboundPort}` };
    const relayPort = await freePort();
    const relay = this.spawn(
      process.execPath,
      `outbound-relay-${instanceId}`,
      ['-e', OUTBOUND_RELAY],
      {
        RELAY_HOST: this.host.address,
        RELAY_PORT: String(relayPort),
        RELAY_TARGET: String(outboundPort),
      },
    );
    const outbound = `http://${this.host.address}:${relayPort}`;
    await waitFor(`${relay.name}`, async () => {
      if (!relay.running) throw new Error(relay.logTail());
      return (await http(`${outbound}/`, { headers: { host: 'nothing.invalid' } }).catch(
        () => undefined,
      ))
        ? true
        : undefined;
    });
    return { proc, instanceId, outbound };
  }

  /**
   * This cluster's east-west gateway (a router in `eastwest` mode) listening on `port` on every
   * address of the host (other clusters reach it over a link); returns its admin URL.
   */
  async startEastWestGateway(port: number): Promise<string> {
    const adminPort = await freePort();
    const env = { WEFT_MODE: 'eastwest', WEFT_NAMESPACE: 'weft-system' };
    const proc = this.app('router', `eastwest-${this.name}`, {
      ...(await this.credentials.proxyEnv('router', env)),
      ...env,
      NATS_URL: this.natsUrl,
      WEFT_CLUSTER: this.name,
      WEFT_LISTEN_PORT: String(port),
      WEFT_ADMIN_PORT: String(adminPort),
      WEFT_BIND_ADDRESS: '0.0.0.0',
    });
    const adminUrl = `http://${this.host.address}:${adminPort}`;
    await this.ready(proc, adminUrl);
    return adminUrl;
  }

  /** POST /v1/apply; expects success and returns the revision. */
  async applyOk(yaml: string): Promise<number> {
    const res = await http(`${this.adminUrl}/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: yaml,
    });
    if (res.status !== 200) throw new Error(`apply in ${this.name}: ${res.status} ${res.body}`);
    return (JSON.parse(res.body) as { revision: number }).revision;
  }

  /** Waits until every named proxy reports an ACK of `revision` (or later). */
  async converged(revision: number, proxyIds: readonly string[]): Promise<void> {
    await waitFor(
      `cluster ${this.name}'s proxies ${proxyIds.join(',')} at ${revision}`,
      async () => {
        const { items } = await json<{
          items: { id: string; status: string | null; revision: number | null }[];
        }>(`${this.adminUrl}/v1/proxies`);
        return proxyIds.every((id) =>
          items.some((p) => p.id === id && p.status === 'ACK' && (p.revision ?? 0) >= revision),
        )
          ? true
          : undefined;
      },
    );
  }

  /** GET /v1/clusterset. */
  clusterset(): Promise<{
    cluster: string | null;
    imports: { cluster: string; namespace: string; service: string; endpoints: unknown[] }[];
  }> {
    return json(`${this.adminUrl}/v1/clusterset`);
  }

  /** Stops every process of the cluster, nats-server last, and keeps their logs in `logs/`. */
  async stop(): Promise<void> {
    const [nats, ...rest] = this.processes;
    await Promise.allSettled(rest.map((p) => p.stop(5_000)));
    await nats?.stop(5_000);
    const dir = join(this.stateDir, 'logs');
    await mkdir(dir, { recursive: true });
    await Promise.all(
      this.processes.map((p) =>
        writeFile(join(dir, `${p.name}-${p.pid}.log`), p.logs().join('\n')),
      ),
    );
  }

  logTails(): string {
    return this.processes.map((p) => p.logTail()).join('\n');
  }

  private app(app: WeftApp, name: string, env: Record<string, string>): AppProcess {
    return this.spawn(process.execPath, name, [`dist/apps/${app}/main.js`], {
      WEFT_LOG_LEVEL: 'info',
      WEFT_HEARTBEAT_INTERVAL_MS: String(this.timing.heartbeatMs),
      WEFT_HEARTBEAT_MISSES: String(this.timing.misses),
      WEFT_DRAIN_GRACE_MS: String(this.timing.drainGraceMs),
      ...env,
    });
  }

  private spawn(
    command: string,
    name: string,
    args: readonly string[],
    env: Record<string, string>,
  ): AppProcess {
    const proc = AppProcess.adopt(name, this.host.spawn(command, args, env));
    this.processes.push(proc);
    return proc;
  }

  private async ready(proc: AppProcess, adminUrl: string): Promise<void> {
    try {
      await waitFor(
        `${proc.name} /readyz`,
        async () => {
          if (!proc.running) throw new Error(`${proc.name} exited`);
          const res: HttpResult = await http(`${adminUrl}/readyz`);
          return res.status === 200 ? true : undefined;
        },
        45_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${proc.logTail()}`);
    }
  }
}
