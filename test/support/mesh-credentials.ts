// The NATS credentials each process of a test mesh connects with: the generated trust (as `weft
// nats-config` makes it) and, per process, a token minted for exactly the identity its env gives it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { parse } from 'yaml';
import type { Entitlement, WorkloadIdentity } from '@app/protocol';
import { readNatsCredentials } from '@app/runtime/nats-credentials.js';
import {
  AuthDir,
  CONTROL_PLANE_CREDS,
  SYSTEM_CREDS,
} from '../../apps/cli/src/nats-auth/auth-dir.js';

export class MeshCredentials {
  private minted = 0;

  private constructor(readonly auth: AuthDir) {}

  static async create(stateDir: string): Promise<MeshCredentials> {
    const { auth } = await AuthDir.init(join(stateDir, 'nats-auth'), {
      subjectPrefix: 'weft',
      trustDomain: 'cluster.local',
    });
    return new MeshCredentials(auth);
  }

  /** The control plane's env: its own user, and the system user (advisories). */
  controlPlaneEnv(): Record<string, string> {
    return {
      WEFT_NATS_CREDS: this.auth.path(CONTROL_PLANE_CREDS),
      WEFT_NATS_SYSTEM_CREDS: this.auth.path(SYSTEM_CREDS),
    };
  }

  get systemCreds(): string {
    return this.auth.path(SYSTEM_CREDS);
  }

  /** `WEFT_NATS_CREDS` for a proxy started with `env`, or none when it never dials NATS. */
  async proxyEnv(
    app: 'sidecar' | 'router',
    env: Record<string, string>,
  ): Promise<Record<string, string>> {
    const entitlement = entitlementOf(app, env);
    if (!entitlement) return {};
    return { WEFT_NATS_CREDS: await this.credsFile(entitlement) };
  }

  /** A `.creds` file entitled to `entitlement`; returns its path. */
  async credsFile(entitlement: Entitlement): Promise<string> {
    const { creds } = await this.auth.mint(entitlement);
    const dir = this.auth.path('tokens');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `token-${++this.minted}.creds`);
    await writeFile(path, creds, { mode: 0o600 });
    return path;
  }

  /** A client connection as `entitlement` (with the inbox prefix its permissions grant). */
  async connect(url: string, entitlement: Entitlement): Promise<NatsConnection> {
    const { authenticator, inboxPrefix } = await readNatsCredentials(
      await this.credsFile(entitlement),
    );
    return connect({ servers: url, authenticator, inboxPrefix });
  }
}

/** The identity a sidecar or router process takes from its env, as the apps read it. */
export function entitlementOf(
  app: 'sidecar' | 'router',
  env: Record<string, string>,
): Entitlement | undefined {
  const namespace = env.WEFT_NAMESPACE || 'default';
  const mode = env.WEFT_MODE || (app === 'sidecar' ? 'sidecar' : 'router');
  if (mode === 'standalone' || env.WEFT_CONFIG_DIR) return undefined;
  const service = app === 'router' ? env.WEFT_GATEWAY || mode : env.WEFT_SERVICE || mode;
  const identity = { namespace, service, serviceAccount: env.WEFT_SERVICE_ACCOUNT || service };
  if (app === 'router') return { role: 'router', identity };
  if (mode !== 'node') return { role: 'proxy', identity };
  const listed = (parse(env.WEFT_WORKLOADS ?? '[]') ?? []) as {
    service: string;
    namespace?: string;
    serviceAccount?: string;
  }[];
  const workloads: WorkloadIdentity[] = listed.map((w) => ({
    namespace: w.namespace ?? namespace,
    service: w.service,
    serviceAccount: w.serviceAccount ?? w.service,
  }));
  return { role: 'node', identity, workloads };
}
