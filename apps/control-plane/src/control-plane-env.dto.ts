// The control plane's environment (docs/reference/environment.md), validated once at boot.
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { CONTROL_PLANE_ADMIN_PORT, DurationWithin, parseDurationMs } from '@app/protocol';
import { CommonEnv, loadEnv, ToInt } from '@app/runtime/env.js';
import { isLoopbackHost } from './auth/loopback-host.js';
import { CLIENT_ROLES_SYNTAX } from './auth/client-certificate-roles.js';

export class ControlPlaneEnv extends CommonEnv {
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  WEFT_ADMIN_PORT: number = CONTROL_PLANE_ADMIN_PORT;

  /** The admin port binds here: loopback only, unless the operator opens it on purpose. */
  @IsString()
  WEFT_BIND_ADDRESS: string = '127.0.0.1';

  /**
   * `off` serves the admin API to anyone who reaches it, as an admin: for local development only,
   * so it needs a loopback WEFT_BIND_ADDRESS, and the control plane says so loudly at start.
   */
  @IsIn(['on', 'off'])
  @ValidateBy({
    name: 'authOffOnLoopbackOnly',
    validator: {
      validate: (value: unknown, args) =>
        value !== 'off' || isLoopbackHost((args?.object as ControlPlaneEnv).WEFT_BIND_ADDRESS),
      defaultMessage: () =>
        'WEFT_ADMIN_AUTH=off is for local development: WEFT_BIND_ADDRESS must be a loopback address',
    },
  })
  WEFT_ADMIN_AUTH: 'on' | 'off' = 'on';

  /**
   * A file holding an admin token (the operator's, e.g. a mounted Secret); when it does not exist,
   * the control plane makes a token and writes it there (0600). Every replica given the same file
   * accepts that token. Unset: the first control plane of a new mesh makes one and prints it once.
   */
  @IsOptional()
  @IsString()
  WEFT_ADMIN_TOKEN_FILE?: string;

  /** How long a dashboard login lasts (a session cookie, kept by the replica that made it). */
  @ToInt()
  @IsInt()
  @Min(60_000)
  WEFT_ADMIN_SESSION_TTL_MS: number = 8 * 60 * 60_000;

  /** Serve the admin API over HTTPS with this certificate chain (PEM) and key. */
  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_ADMIN_TLS_KEY !== undefined)
  @IsString({ message: 'WEFT_ADMIN_TLS_CERT must be set with WEFT_ADMIN_TLS_KEY' })
  WEFT_ADMIN_TLS_CERT?: string;

  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_ADMIN_TLS_CERT !== undefined)
  @IsString({ message: 'WEFT_ADMIN_TLS_KEY must be set with WEFT_ADMIN_TLS_CERT' })
  WEFT_ADMIN_TLS_KEY?: string;

  /**
   * Roots (PEM) that client certificates must chain to; with it, the HTTPS admin API asks for a
   * client certificate and accepts one whose SPIFFE ID WEFT_ADMIN_TLS_CLIENT_ROLES lists.
   */
  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_ADMIN_TLS_CLIENT_CA !== undefined)
  @IsString()
  @ValidateBy({
    name: 'clientCaNeedsTls',
    validator: {
      validate: (_value: unknown, args) =>
        (args?.object as ControlPlaneEnv).WEFT_ADMIN_TLS_CERT !== undefined,
      defaultMessage: () => 'WEFT_ADMIN_TLS_CLIENT_CA needs WEFT_ADMIN_TLS_CERT and _KEY (HTTPS)',
    },
  })
  WEFT_ADMIN_TLS_CLIENT_CA?: string;

  /** `spiffe://…=admin,spiffe://…=read`: the role of each client certificate's SPIFFE ID. */
  @IsOptional()
  @Matches(CLIENT_ROLES_SYNTAX, {
    message:
      'WEFT_ADMIN_TLS_CLIENT_ROLES must be a comma-separated list of spiffe://…=read or =admin',
  })
  WEFT_ADMIN_TLS_CLIENT_ROLES?: string;

  /** Folder of YAML/JSON resources, loaded at start and re-applied whenever it changes. */
  @IsOptional()
  @IsString()
  WEFT_CONFIG_DIR?: string;

  /**
   * Leader lease TTL: the leader renews every third of it; followers take over once it has not
   * changed for this long. Every replica should use the same value.
   */
  @ToInt()
  @IsInt()
  @Min(300)
  WEFT_LEADER_TTL_MS: number = 3_000;

  /** The interval sidecars send heartbeats at. */
  @ToInt()
  @IsInt()
  @Min(50)
  WEFT_HEARTBEAT_INTERVAL_MS: number = 1_000;

  /** Heartbeats an instance may miss before it is expired. */
  @ToInt()
  @IsInt()
  @Min(1)
  WEFT_HEARTBEAT_MISSES: number = 3;

  /**
   * Endpoint changes are published once they pause this long (Istio's debounce); an endpoint
   * leaving never waits longer than this.
   */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_DEBOUNCE_MS: number = 50;

  /** The longest endpoint changes wait while more keep coming. */
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_DEBOUNCE_MAX_MS: number = 500;

  /**
   * A proxy silent this long (no heartbeat, no ACK) leaves `/v1/proxies`; it shows as stale from a
   * heartbeat TTL on. Never shorter than the heartbeat TTL.
   */
  @ToInt()
  @IsInt()
  @Min(1_000)
  WEFT_PROXY_TTL_MS: number = 60_000;

  /** Rows of `/v1/proxies` at most (a stale row gives way to a new proxy; else it is not listed). */
  @ToInt()
  @IsInt()
  @Min(1)
  WEFT_MAX_PROXIES: number = 100_000;

  /** Live instances at most: a new instance past it is refused (its heartbeats are dropped). */
  @ToInt()
  @IsInt()
  @Min(1)
  WEFT_MAX_INSTANCES: number = 100_000;

  /**
   * This cluster's name in a multi-cluster mesh (docs/multi-cluster.md): with it, the leader
   * announces the Services a ServiceExport names to the clusters linked to this one. Unset: one
   * cluster, nothing exported (imports are still heard).
   */
  @IsOptional()
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    message: 'WEFT_CLUSTER must be a lower-case DNS label (a-z, 0-9, "-")',
  })
  WEFT_CLUSTER?: string;

  /**
   * This cluster's east-west gateway (`WEFT_MODE=eastwest` router) as other clusters' proxies
   * reach it, `host:port`: announced with every export, so HTTP callers there get an endpoint
   * through it per exported instance. Unset: exports are reached over the bus only.
   */
  @IsOptional()
  @Matches(
    /^[A-Za-z0-9.-]{1,253}:([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/,
    {
      message:
        'WEFT_EASTWEST_GATEWAY must be host:port (a name or IPv4 address, and a port 1-65535)',
    },
  )
  WEFT_EASTWEST_GATEWAY?: string;

  /** The east-west gateway's address and port, when set. */
  get eastWestGateway(): { address: string; port: number } | undefined {
    const value = this.WEFT_EASTWEST_GATEWAY;
    if (value === undefined) return undefined;
    const at = value.lastIndexOf(':');
    return { address: value.slice(0, at), port: Number(value.slice(at + 1)) };
  }

  /** How often the leader announces each exported Service again (linked clusters converge by it). */
  @ToInt()
  @IsInt()
  @Min(100)
  WEFT_CLUSTERSET_INTERVAL_MS: number = 5_000;

  /** An import not announced again for this long is dropped (its cluster is gone or cut off). */
  @ToInt()
  @IsInt()
  @Min(1_000)
  WEFT_CLUSTERSET_TTL_MS: number = 30_000;

  /** Imported Services (one per exporting cluster and Service) held at most; more are refused. */
  @ToInt()
  @IsInt()
  @Min(1)
  WEFT_MAX_IMPORTS: number = 10_000;

  /** JetStream replicas of the config bucket (1 for a single server). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(5)
  WEFT_KV_REPLICAS: number = 1;

  /** How far back `GET /v1/stats` and the live stream reach over the proxies' metric snapshots. */
  @ToInt()
  @IsInt()
  @Min(1_000)
  WEFT_STATS_WINDOW_MS: number = 30_000;

  /**
   * A user of the NATS system account (a `.creds` file, or user and password): with one, the
   * control plane follows the server's client disconnect advisories and removes a crashed proxy's
   * instance at once; without, the heartbeat TTL alone expires it.
   */
  @IsOptional()
  @IsString()
  WEFT_NATS_SYSTEM_CREDS?: string;

  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_NATS_SYSTEM_PASSWORD !== undefined)
  @IsString({ message: 'WEFT_NATS_SYSTEM_USER must be set with WEFT_NATS_SYSTEM_PASSWORD' })
  WEFT_NATS_SYSTEM_USER?: string;

  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_NATS_SYSTEM_USER !== undefined)
  @IsString({ message: 'WEFT_NATS_SYSTEM_PASSWORD must be set with WEFT_NATS_SYSTEM_USER' })
  WEFT_NATS_SYSTEM_PASSWORD?: string;

  /**
   * The mesh CA's own key to encrypt its root keys with in the CA bucket (AES-256-GCM): a file
   * holding 32 random bytes in base64. Without it (and without WEFT_CA_CERT) the CA is off: a key
   * is never stored in the clear.
   */
  @IsOptional()
  @IsString()
  WEFT_CA_ENCRYPTION_KEY_FILE?: string;

  /** An operator-provided CA certificate (a root or an intermediate), PEM; used instead of a generated root. */
  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_CA_KEY !== undefined)
  @IsString({ message: 'WEFT_CA_CERT must be set with WEFT_CA_KEY' })
  WEFT_CA_CERT?: string;

  /** Its private key, PEM (PKCS#8, ECDSA P-256/P-384 or RSA). */
  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_CA_CERT !== undefined)
  @IsString({ message: 'WEFT_CA_KEY must be set with WEFT_CA_CERT' })
  WEFT_CA_KEY?: string;

  /** The certificates above WEFT_CA_CERT up to the root, PEM (absent when it is the root). */
  @IsOptional()
  @IsString()
  WEFT_CA_CHAIN?: string;

  /** Lifetime of workload certificates; proxies renew at half of it. */
  @DurationWithin(10_000, 90 * 24 * 3_600_000, '24h')
  WEFT_CERT_TTL: string = '24h';

  /**
   * Follow the cluster's Services through the Kubernetes API and apply them (leader only):
   * `in-cluster` (the pod's service account), `kubeconfig` (KUBECONFIG or ~/.kube/config), `off`.
   */
  @IsIn(['off', 'in-cluster', 'kubeconfig'])
  WEFT_KUBERNETES: 'off' | 'in-cluster' | 'kubeconfig' = 'off';

  /** HTTPS port of the sidecar injection webhook the API server calls; 0: no webhook. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  WEFT_INJECTION_PORT: number = 0;

  /** The webhook's certificate (PEM file; its CA is the webhook configuration's caBundle). */
  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_INJECTION_PORT > 0)
  @IsString({
    message: 'WEFT_INJECTION_TLS_CERT must name a PEM file (required with WEFT_INJECTION_PORT)',
  })
  WEFT_INJECTION_TLS_CERT?: string;

  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_INJECTION_PORT > 0)
  @IsString({
    message: 'WEFT_INJECTION_TLS_KEY must name a PEM file (required with WEFT_INJECTION_PORT)',
  })
  WEFT_INJECTION_TLS_KEY?: string;

  /** The image of injected proxies (the one holding every component). */
  @ValidateIf((env: ControlPlaneEnv) => env.WEFT_INJECTION_PORT > 0)
  @IsString({
    message: 'WEFT_INJECTION_IMAGE must name the proxy image (required with WEFT_INJECTION_PORT)',
  })
  WEFT_INJECTION_IMAGE?: string;

  @IsIn(['Always', 'IfNotPresent', 'Never'])
  WEFT_INJECTION_IMAGE_PULL_POLICY: string = 'IfNotPresent';

  /**
   * The WEFT account's signing key seed (`keys/weft-account-signing.nk` of `weft nats-config`): the
   * webhook mints each admitted pod's proxy credentials and creates their Secret when it is missing.
   */
  @IsOptional()
  @IsString()
  @ValidateBy({
    name: 'mintingNeedsInjectionAndApi',
    validator: {
      validate: (value: unknown, args) => {
        const env = args?.object as ControlPlaneEnv;
        return (
          value === undefined ||
          (env.WEFT_INJECTION_PORT > 0 &&
            env.WEFT_KUBERNETES !== 'off' &&
            env.WEFT_NATS_CREDS !== undefined)
        );
      },
      defaultMessage: () =>
        'WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE needs WEFT_INJECTION_PORT (the webhook mints), WEFT_KUBERNETES (it creates the Secrets) and WEFT_NATS_CREDS (the account it mints in)',
    },
  })
  WEFT_NATS_ACCOUNT_SIGNING_KEY_FILE?: string;

  /**
   * NATS over TLS for injected proxies: the Secret, in the pod's namespace, holding the server CA
   * `ca.crt` (and, with WEFT_INJECTION_NATS_TLS_CLIENT_CERT, `tls.crt`/`tls.key`); unset: none.
   */
  @IsOptional()
  @Matches(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, {
    message: 'WEFT_INJECTION_NATS_TLS_SECRET must be a Secret name',
  })
  WEFT_INJECTION_NATS_TLS_SECRET?: string;

  @IsIn(['true', 'false'])
  @ValidateBy({
    name: 'clientCertNeedsSecret',
    validator: {
      validate: (value: unknown, args) =>
        value !== 'true' ||
        (args?.object as ControlPlaneEnv).WEFT_INJECTION_NATS_TLS_SECRET !== undefined,
      defaultMessage: () =>
        'WEFT_INJECTION_NATS_TLS_CLIENT_CERT=true needs WEFT_INJECTION_NATS_TLS_SECRET (the Secret holding tls.crt and tls.key)',
    },
  })
  WEFT_INJECTION_NATS_TLS_CLIENT_CERT: 'true' | 'false' = 'false';

  get certTtlMs(): number {
    return parseDurationMs(this.WEFT_CERT_TTL);
  }

  get instanceTtlMs(): number {
    return this.WEFT_HEARTBEAT_INTERVAL_MS * this.WEFT_HEARTBEAT_MISSES;
  }

  get proxyTtlMs(): number {
    return Math.max(this.WEFT_PROXY_TTL_MS, this.instanceTtlMs);
  }

  /** Whether the admin API is served over HTTPS. */
  get adminTls(): boolean {
    return this.WEFT_ADMIN_TLS_CERT !== undefined;
  }

  /** This replica's admin API as the leader lease advertises it. */
  get adminUrl(): string {
    const url = this.adminUrlAt(this.WEFT_ADMIN_PORT);
    return this.adminTls ? url.replace(/^http:/, 'https:') : url;
  }
}

let loaded: ControlPlaneEnv | undefined;

/** The validated environment, read once (decorators need the subject prefix at import time). */
export function controlPlaneEnv(): ControlPlaneEnv {
  loaded ??= loadEnv(ControlPlaneEnv);
  return loaded;
}
