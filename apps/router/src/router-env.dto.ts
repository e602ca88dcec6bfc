// The router's environment (DESIGN.md interface table), validated once at boot.
import { hostname } from 'node:os';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE, ROUTER_LISTEN_PORT } from '@app/protocol';
import { ToInt } from '@app/runtime';
import { ProxyEnv } from '@app/dataplane';

export class RouterEnv extends ProxyEnv {
  /** `edge`: ingress at the cluster edge; `router`: central router for service-to-service traffic. */
  @IsIn(['edge', 'router'])
  WEFT_MODE: 'edge' | 'router' = 'router';

  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  WEFT_LISTEN_PORT: number = ROUTER_LISTEN_PORT;

  /** Gateway resource this router implements in edge mode. */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `WEFT_GATEWAY ${DNS_LABEL_MESSAGE}` })
  WEFT_GATEWAY?: string;

  get instanceId(): string {
    return this.idOr(this.WEFT_MODE, hostname(), this.WEFT_LISTEN_PORT);
  }
}
