// The NATS credentials each process of a test mesh connects with, made as an operator makes them:
// `weft nats-config` for the trust, then `weft token create` for exactly the identity a process's
// env gives it. (The CLI runs as a process: JWT signing is 30 times slower inside jest's VM.)
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { parse } from 'yaml';
import type { Entitlement, WorkloadIdentity } from '@app/protocol';
import { readNatsCredentials } from '@app/runtime/nats-credentials.js';
import {
  AuthDir,
  CA_ENCRYPTION_KEY_FILE,
  CONTROL_PLANE_CREDS,
  SERVER_CONFIG_FILE,
  SYSTEM_CREDS,
} from '../../apps/cli/src/nats-auth/auth-dir.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'dist/apps/cli/main.js');

/** `weft <args>` with the built CLI; throws its stderr. */
async function weft(args: readonly string[]): Promise<string> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  try {
    return (await run(process.execPath, [CLI, ...args], { env })).stdout;
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`weft ${args.join(' ')}: ${stderr?.trim() || (err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * A test's own client dials until the server answers, as the components do: on a loaded machine
 * a first dial right after the server's start has timed out.
 */
export const PATIENT = { waitOnFirstConnect: true, maxReconnectAttempts: -1, timeout: 5_000 };

export class MeshCredentials {
  private minted = 0;
  /** Tokens are minted one after another: each `weft token create` writes the token list. */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string) {}

  static async create(stateDir: string): Promise<MeshCredentials> {
    const dir = join(stateDir, 'nats-auth');
    await weft(['nats-config', '--out', dir]);
    return new MeshCredentials(dir);
  }

  /** The folder as the CLI keeps it (tokens minted so far). */
  open(): Promise<AuthDir> {
    return AuthDir.open(this.dir);
  }

  /** The server settings `weft nats-config` wrote, with the resolver folder at `resolverDir`. */
  async serverConfig(resolverDir: string): Promise<string> {
    const text = await readFile(join(this.dir, SERVER_CONFIG_FILE), 'utf8');
    return text.replace(JSON.stringify(join(this.dir, 'jwt')), JSON.stringify(resolverDir));
  }

  /** The control plane's env: its own user, and the system user (advisories). */
  controlPlaneEnv(): Record<string, string> {
    return {
      WEFT_NATS_CREDS: join(this.dir, CONTROL_PLANE_CREDS),
      WEFT_NATS_SYSTEM_CREDS: join(this.dir, SYSTEM_CREDS),
      // The mesh CA is on: proxies get workload certificates and speak mTLS (STRICT by default).
      WEFT_CA_ENCRYPTION_KEY_FILE: join(this.dir, CA_ENCRYPTION_KEY_FILE),
    };
  }

  get systemCreds(): string {
    return join(this.dir, SYSTEM_CREDS);
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

  /** A `.creds` file entitled to `entitlement` (`weft token create`); returns its path. */
  credsFile(entitlement: Entitlement): Promise<string> {
    // The control plane's user is made with the trust (the CLI mints no other).
    if (entitlement.role === 'control-plane') {
      return Promise.resolve(join(this.dir, CONTROL_PLANE_CREDS));
    }
    const file = join(this.dir, `token-${++this.minted}.creds`);
    const args = ['token', 'create', '--auth-dir', this.dir, '--role', entitlement.role];
    if ('name' in entitlement) args.push('--name', entitlement.name);
    if ('identity' in entitlement) {
      const { namespace, service, serviceAccount } = entitlement.identity;
      args.push('--namespace', namespace, '--service', service);
      args.push('--service-account', serviceAccount);
    }
    if ('workloads' in entitlement) {
      for (const w of entitlement.workloads) {
        args.push('--workload', `${w.namespace}/${w.service}/${w.serviceAccount}`);
      }
    }
    args.push('-o', file);
    const minted = this.chain.then(() => weft(args)).then(() => file);
    this.chain = minted.catch(() => undefined);
    return minted;
  }

  /** A client connection as `entitlement` (with the inbox prefix its permissions grant). */
  async connect(url: string, entitlement: Entitlement): Promise<NatsConnection> {
    const { authenticator, inboxPrefix } = await readNatsCredentials(
      await this.credsFile(entitlement),
    );
    return connect({ servers: url, authenticator, inboxPrefix, ...PATIENT });
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
  const text = env.WEFT_WORKLOADS_FILE
    ? readFileSync(env.WEFT_WORKLOADS_FILE, 'utf8')
    : (env.WEFT_WORKLOADS ?? '[]');
  const listed = (parse(text) ?? []) as {
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
