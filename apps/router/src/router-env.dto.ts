// The router's environment (docs/reference/environment.md), validated once at boot.
import { hostname } from 'node:os';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  EASTWEST_GATEWAY_PORT,
  ROUTER_LISTEN_PORT,
} from '@app/protocol';
import { ToInt } from '@app/runtime';
import { ProxyEnv } from '@app/dataplane';

export class RouterEnv extends ProxyEnv {
  /**
   * `edge`: ingress at the cluster edge; `router`: central router for service-to-service traffic;
   * `eastwest`: this cluster's east-west gateway, TLS passthrough by SNI for other clusters' proxies.
   */
  @IsIn(['edge', 'router', 'eastwest'])
  WEFT_MODE: 'edge' | 'router' | 'eastwest' = 'router';

  /** Unset: 8080, or 15443 for the east-west gateway. */
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  WEFT_LISTEN_PORT?: number;

  /** Edge mode: the Gateway (in WEFT_NAMESPACE) whose listeners this router opens. */
  @ValidateIf((e: RouterEnv) => e.WEFT_MODE === 'edge' || e.WEFT_GATEWAY !== undefined)
  @Matches(DNS_LABEL, {
    message: `WEFT_GATEWAY ${DNS_LABEL_MESSAGE} (required in edge mode: the Gateway to serve)`,
  })
  WEFT_GATEWAY?: string;

  /** Config from this folder of YAML (re-read on change) instead of the control plane: no NATS. */
  @IsOptional()
  @IsString()
  WEFT_CONFIG_DIR?: string;

  /** Edge mode: certificate Secrets, the folder `<WEFT_CERT_DIR>/<name>/` with tls.crt and tls.key. */
  @IsOptional()
  @IsString()
  WEFT_CERT_DIR?: string;

  /**
   * Router processes sharing WEFT_LISTEN_PORT (node:cluster: Node 20 has no `reusePort`), each a
   * full router with its own NATS connection; a replica that dies is started again.
   */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(64)
  WEFT_ROUTER_REPLICAS: number = 1;

  /** Set by the primary of a replica set on each replica it starts (0-based); not for users. */
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  WEFT_ROUTER_REPLICA_INDEX?: number;

  /** East-west gateway: an export not announced again for this long is no longer routed. */
  @ToInt()
  @IsInt()
  @Min(1_000)
  WEFT_CLUSTERSET_TTL_MS: number = 30_000;

  get listenPort(): number {
    return (
      this.WEFT_LISTEN_PORT ??
      (this.WEFT_MODE === 'eastwest' ? EASTWEST_GATEWAY_PORT : ROUTER_LISTEN_PORT)
    );
  }

  /** Replicas of a set are told apart by their index. */
  get instanceId(): string {
    const id = this.idOr(this.WEFT_MODE, hostname(), this.listenPort);
    return this.WEFT_ROUTER_REPLICA_INDEX === undefined
      ? id
      : `${id}-${this.WEFT_ROUTER_REPLICA_INDEX}`;
  }

  /** Replica `i` of a set serves its own admin port, WEFT_ADMIN_PORT + i (its own /metrics). */
  get adminPort(): number {
    const index = this.WEFT_ROUTER_REPLICA_INDEX ?? 0;
    return this.WEFT_ADMIN_PORT === 0 ? 0 : this.WEFT_ADMIN_PORT + index;
  }
}
