// A whole local mesh for e2e tests: nats-server, control plane and sidecars as real processes.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { agent, http, isReady, json, useAdminToken, type HttpResult } from './admin-client.js';
import { AppProcess } from './app-process.js';
import { freePort } from './free-port.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Entitlement } from '@app/protocol';
import { readNatsCredentials } from '@app/runtime/nats-credentials.js';
import { MeshCredentials, PATIENT } from './mesh-credentials.js';
import { startNats, type NatsHandle, type NatsOptions } from './nats-fixture.js';
import { scratchDir } from './scratch-dir.js';
import { waitFor } from './wait-for.js';

export interface MeshTiming {
  /** Heartbeat interval for sidecars and the control plane. */
  readonly heartbeatMs: number;
  readonly misses: number;
  readonly drainGraceMs: number;
}

/** What a component logs when nats-server refuses it a publish or subscription. */
const PERMISSION_VIOLATION = 'NATS permission violation';

export const FAST_TIMING: MeshTiming = { heartbeatMs: 250, misses: 3, drainGraceMs: 1_000 };

export interface MeshOptions {
  /**
   * Run the bus open (no NATS auth: every client may do anything), saying why. By default a mesh is
   * secure: nats-server trusts the generated operator, the control plane connects with its creds
   * and the system user's, and every proxy with a token minted for the identity its env gives it.
   */
  readonly openBecause?: string;
}

export interface ControlPlane {
  readonly proc: AppProcess;
  readonly adminPort: number;
  readonly url: string;
}

export interface SidecarOptions {
  readonly service: string;
  readonly instanceId: string;
  readonly appPort: number;
  readonly labels?: string;
  /** Defaults to the mesh's NATS. */
  readonly natsUrl?: string;
  readonly env?: Record<string, string>;
  /** Open files the process may hold (`prlimit --nofile`); the machine's limit when absent. */
  readonly fileLimit?: number;
}

export interface Sidecar {
  readonly proc: AppProcess;
  readonly instanceId: string;
  readonly adminPort: number;
  readonly inboundPort: number;
  readonly outboundPort: number;
  /** URL on the outbound listener, to send with a `Host` header. */
  readonly outbound: string;
}

export interface Router {
  readonly proc: AppProcess;
  readonly adminPort: number;
}

export interface ProxyRow {
  id: string;
  revision: number | null;
  status: 'ACK' | 'NACK' | null;
  error: string | null;
}

interface LeaderView {
  role: 'leader' | 'follower';
  leader: { holder: string; adminUrl: string } | null;
}

export class Mesh {
  readonly processes: AppProcess[] = [];
  private stopped = false;
  /** The control plane `apply`, `converged` and `endpointIds` talk to (the last one started). */
  cp: ControlPlane | undefined;
  /** Every control plane started, in order (replicas elect one leader among themselves). */
  readonly controlPlanes: ControlPlane[] = [];

  private constructor(
    readonly nats: NatsHandle,
    readonly timing: MeshTiming,
    readonly stateDir: string,
    /** Undefined when the mesh runs open. */
    readonly credentials: MeshCredentials | undefined,
  ) {}

  static async start(
    timing: MeshTiming = FAST_TIMING,
    natsOptions?: NatsOptions,
    options: MeshOptions = {},
  ): Promise<Mesh> {
    const stateDir = await scratchDir('weft-e2e-');
    const credentials =
      options.openBecause === undefined ? await MeshCredentials.create(stateDir) : undefined;
    const nats = await startNats({ ...natsOptions, trust: credentials });
    return new Mesh(nats, timing, stateDir, credentials);
  }

  /**
   * A NATS client of this mesh as `entitlement` (default: the control plane's rights, everything
   * in the account); anonymous when the mesh runs open.
   */
  async natsClient(entitlement: Entitlement = { role: 'control-plane' }): Promise<NatsConnection> {
    if (!this.credentials) return connect({ servers: this.nats.url, ...PATIENT });
    return this.credentials.connect(this.nats.url, entitlement);
  }

  /** The env of a `weft` CLI run with `role` rights on this mesh's NATS (none when it runs open). */
  async cliEnv(role: 'cli-read' | 'cli-admin' = 'cli-read'): Promise<Record<string, string>> {
    if (!this.credentials) return {};
    const creds = await this.credentials.credsFile({ role, name: 'e2e' });
    return { WEFT_NATS_CREDS: creds };
  }

  /** A client of the system account (advisories, `$SYS` requests); secure meshes only. */
  async systemClient(): Promise<NatsConnection> {
    if (!this.credentials) throw new Error('an open mesh has no system account user');
    const { authenticator } = await readNatsCredentials(this.credentials.systemCreds);
    return connect({ servers: this.nats.url, authenticator, ...PATIENT });
  }

  private get timingEnv(): Record<string, string> {
    return {
      WEFT_HEARTBEAT_INTERVAL_MS: String(this.timing.heartbeatMs),
      WEFT_HEARTBEAT_MISSES: String(this.timing.misses),
      WEFT_DRAIN_GRACE_MS: String(this.timing.drainGraceMs),
    };
  }

  async startControlPlane(env: Record<string, string> = {}): Promise<ControlPlane> {
    const adminPort = await freePort();
    const tokenFile = env.WEFT_ADMIN_TOKEN_FILE ?? this.adminTokenFile;
    const proc = this.track(
      AppProcess.start('control-plane', 'control-plane', {
        NATS_URL: this.nats.url,
        WEFT_ADMIN_PORT: String(adminPort),
        WEFT_ADMIN_TOKEN_FILE: tokenFile,
        ...this.credentials?.controlPlaneEnv(),
        ...this.timingEnv,
        ...env,
      }),
    );
    await this.ready(proc, adminPort);
    const cp = { proc, adminPort, url: `http://127.0.0.1:${adminPort}` };
    // Tests act as the admin: the control plane made this token at start (the replicas share it).
    if (tokenFile !== '') useAdminToken(cp.url, (await readFile(tokenFile, 'utf8')).trim());
    this.controlPlanes.push(cp);
    this.cp = cp;
    return cp;
  }

  /** Starts `count` control-plane replicas at once; each is ready (a follower serves reads). */
  async startControlPlanes(
    count: number,
    env: Record<string, string> = {},
  ): Promise<ControlPlane[]> {
    return Promise.all(Array.from({ length: count }, () => this.startControlPlane(env)));
  }

  /**
   * The one running control plane that says it leads, once every running replica names it as
   * leader (so a write through any of them reaches it).
   */
  async leader(timeoutMs = 15_000): Promise<ControlPlane> {
    return waitFor(
      'one control plane leader that every replica agrees on',
      async () => {
        const running = this.controlPlanes.filter((c) => c.proc.running);
        const views = await Promise.all(running.map((c) => json<LeaderView>(`${c.url}/v1/leader`)));
        const leaders = running.filter((_, i) => views[i].role === 'leader');
        const holders = new Set(views.map((v) => v.leader?.holder));
        if (leaders.length !== 1 || holders.size !== 1) return undefined;
        const url = views[running.indexOf(leaders[0])].leader?.adminUrl;
        return url === leaders[0].url ? leaders[0] : undefined;
      },
      timeoutMs,
    );
  }

  /** A router (`WEFT_MODE` in `env`: `edge` or `router`), ready; `natsUrl` defaults to the mesh's. */
  async startRouter(name: string, env: Record<string, string>, natsUrl?: string): Promise<Router> {
    const adminPort = await freePort();
    const creds = await this.credentials?.proxyEnv('router', env);
    const proc = this.track(
      AppProcess.start('router', `router-${name}`, {
        NATS_URL: natsUrl ?? this.nats.url,
        WEFT_INSTANCE_ID: name,
        WEFT_ADMIN_PORT: String(adminPort),
        WEFT_BIND_ADDRESS: '127.0.0.1',
        WEFT_STATE_DIR: this.stateDir,
        ...creds,
        ...this.timingEnv,
        ...env,
      }),
    );
    await this.ready(proc, adminPort);
    return { proc, adminPort };
  }

  async startSidecar(opts: SidecarOptions, waitReady = true): Promise<Sidecar> {
    const [adminPort, inboundPort, outboundPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const creds = await this.credentials?.proxyEnv('sidecar', {
      WEFT_SERVICE: opts.service,
      ...opts.env,
    });
    const proc = this.track(
      AppProcess.start(
        'sidecar',
        `sidecar-${opts.instanceId}`,
        {
          ...creds,
          NATS_URL: opts.natsUrl ?? this.nats.url,
          WEFT_SERVICE: opts.service,
          WEFT_INSTANCE_ID: opts.instanceId,
          WEFT_LABELS: opts.labels ?? '',
          WEFT_APP_PORT: String(opts.appPort),
          WEFT_ADMIN_PORT: String(adminPort),
          WEFT_INBOUND_PORT: String(inboundPort),
          WEFT_OUTBOUND_PORT: String(outboundPort),
          WEFT_BIND_ADDRESS: '127.0.0.1',
          WEFT_STATE_DIR: this.stateDir,
          ...this.timingEnv,
          ...opts.env,
        },
        opts.fileLimit,
      ),
    );
    if (waitReady) await this.ready(proc, adminPort);
    return {
      proc,
      instanceId: opts.instanceId,
      adminPort,
      inboundPort,
      outboundPort,
      outbound: `http://127.0.0.1:${outboundPort}`,
    };
  }

  /** POST /v1/apply with a YAML body. */
  apply(yaml: string): Promise<HttpResult> {
    return http(`${this.controlPlane().url}/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: yaml,
    });
  }

  /** Applies and expects success; returns the revision. */
  async applyOk(yaml: string): Promise<number> {
    const res = await this.apply(yaml);
    if (res.status !== 200) throw new Error(`apply failed: ${res.status} ${res.body}`);
    return (JSON.parse(res.body) as { revision: number }).revision;
  }

  /** Waits until every named proxy reports an ACK of `revision` (or later) in GET /v1/proxies. */
  converged(
    revision: number,
    proxyIds: readonly string[],
    timeoutMs = 10_000,
  ): Promise<ProxyRow[]> {
    return this.reported('ACK', revision, proxyIds, timeoutMs);
  }

  /** Waits until every named proxy reports `status` (ACK or NACK) of `revision`; their rows. */
  async reported(
    status: 'ACK' | 'NACK',
    revision: number,
    proxyIds: readonly string[],
    timeoutMs = 10_000,
  ): Promise<ProxyRow[]> {
    return waitFor(
      `proxies ${proxyIds.join(',')} to ${status} revision ${revision}`,
      async () => {
        const { items } = await json<{ items: ProxyRow[] }>(
          `${this.controlPlane().url}/v1/proxies`,
        );
        const rows = proxyIds.map((id) => items.find((p) => p.id === id));
        // An ACK of a later revision covers this one: a burst's markers reach proxies as its last.
        const at = (p: ProxyRow): boolean =>
          status === 'ACK' ? (p.revision ?? 0) >= revision : p.revision === revision;
        return rows.every((p) => p?.status === status && at(p)) ? (rows as ProxyRow[]) : undefined;
      },
      timeoutMs,
    );
  }

  /** Instance ids in the published endpoint set of a Service. */
  async endpointIds(service: string, namespace = 'default'): Promise<string[]> {
    const { items } = await json<{
      items: { namespace: string; service: string; endpoints: { instanceId: string }[] }[];
    }>(`${this.controlPlane().url}/v1/endpoints`);
    const set = items.find((s) => s.namespace === namespace && s.service === service);
    return set ? set.endpoints.map((e) => e.instanceId).sort() : [];
  }

  /**
   * Why the control plane removed an instance from its endpoint sets, as its log says:
   * `instance expired` (heartbeat TTL), `instance connection closed` (disconnect advisory), ….
   */
  removalReason(instanceId: string): Promise<string> {
    const removals = ['instance expired', 'instance connection closed', 'instance down'];
    return waitFor(`the control plane's reason for removing ${instanceId}`, () => {
      for (const line of this.controlPlane().proc.logs().reverse()) {
        if (!line.includes(`"instanceId":"${instanceId}"`)) continue;
        const { reason } = JSON.parse(line) as { reason?: string };
        if (reason !== undefined && removals.includes(reason)) return reason;
      }
      return undefined;
    });
  }

  /** Stops every process (SIGTERM) and NATS; one failing step never skips the others. */
  async stop(): Promise<void> {
    this.stopped = true;
    const results: PromiseSettledResult<unknown>[] = await Promise.allSettled(
      this.processes.map((p) => p.stop(5_000)),
    );
    results.push(...(await Promise.allSettled([this.nats.stop()])));
    await agent.close().catch(() => undefined);
    const logDir = join(this.stateDir, 'logs');
    await mkdir(logDir, { recursive: true });
    await Promise.all(
      this.processes.map((p) =>
        writeFile(join(logDir, `${p.name}-${p.pid}.log`), p.logs().join('\n')),
      ),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    // Every suite on a secure mesh checks the permission lists: what the code publishes and
    // subscribes, nats-server let it.
    const refused = this.processes.flatMap((p) =>
      p
        .logs()
        .filter((line) => line.includes(PERMISSION_VIOLATION))
        .map((l) => `${p.name}: ${l}`),
    );
    if (refused.length > 0) {
      throw new Error(`NATS refused what a mesh process did:\n${refused.join('\n')}`);
    }
  }

  /** The admin token every control plane of this mesh is given (made by the first to start). */
  get adminTokenFile(): string {
    return join(this.stateDir, 'admin-token');
  }

  controlPlane(): ControlPlane {
    if (!this.cp) throw new Error('control plane not started');
    return this.cp;
  }

  /**
   * A start still on its way when the mesh stopped (a sibling in Promise.all failed, then afterAll
   * ran) would outlive the test and keep jest from exiting: it is stopped at once instead.
   */
  private track(proc: AppProcess): AppProcess {
    if (this.stopped) {
      void proc.stop(5_000);
      throw new Error(`${proc.name} started after the mesh stopped`);
    }
    this.processes.push(proc);
    return proc;
  }

  /** Ready, or it hangs: Nest's start alone took over 20 s on two cores under a heavy load. */
  private async ready(proc: AppProcess, adminPort: number): Promise<void> {
    try {
      await waitFor(
        `${proc.name} /readyz`,
        async () => {
          if (!proc.running) throw new Error(`${proc.name} exited`);
          return isReady(adminPort);
        },
        45_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${proc.logTail()}`);
    }
  }
}
