// The sidecar's environment (docs/reference/environment.md), validated once at boot.
import { hostname } from 'node:os';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import {
  DNS_LABEL,
  DNS_LABEL_MESSAGE,
  isLabelMap,
  SIDECAR_INBOUND_PORT,
  SIDECAR_OUTBOUND_PORT,
  type ProxyMode,
} from '@app/protocol';
import { ToInt } from '@app/runtime';
import { DEFAULT_DESTINATION_LIMITS, ProxyEnv, type DestinationLimits } from '@app/dataplane';

export class SidecarEnv extends ProxyEnv {
  @IsIn(['sidecar', 'node', 'standalone'])
  WEFT_MODE: Extract<ProxyMode, 'sidecar' | 'node' | 'standalone'> = 'sidecar';

  @ValidateIf((e: SidecarEnv) => e.WEFT_MODE === 'sidecar')
  @Matches(DNS_LABEL, { message: `WEFT_SERVICE ${DNS_LABEL_MESSAGE} (required in sidecar mode)` })
  WEFT_SERVICE: string = '';

  /**
   * The site outside any cluster this proxy runs at (a VM, an edge location): its heartbeats say
   * so, and the control plane admits its workloads only under a WorkloadGroup.
   */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `WEFT_SITE ${DNS_LABEL_MESSAGE}` })
  WEFT_SITE?: string;

  /** `k=v,k=v`, added to `app=<WEFT_SERVICE>`. */
  @IsOptional()
  @IsString()
  WEFT_LABELS?: string;

  @ValidateIf((e: SidecarEnv) => e.WEFT_MODE === 'sidecar' || e.WEFT_APP_PORT !== 0)
  @ToInt()
  @IsInt({ message: 'WEFT_APP_PORT must be the local application port (required in sidecar mode)' })
  @Min(1)
  @Max(65535)
  WEFT_APP_PORT: number = 0;

  @IsString()
  WEFT_APP_ADDRESS: string = '127.0.0.1';

  /** Set by injection: the app's original kubelet probes, which `/app-health/…` answers for (JSON). */
  @IsOptional()
  @IsString()
  WEFT_APP_PROBES?: string;

  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  WEFT_INBOUND_PORT: number = SIDECAR_INBOUND_PORT;

  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  WEFT_OUTBOUND_PORT: number = SIDECAR_OUTBOUND_PORT;

  /** Standalone mode: the folder of YAML this proxy routes by (no control plane, no NATS). */
  @ValidateIf((e: SidecarEnv) => e.WEFT_MODE === 'standalone')
  @IsString({
    message: 'WEFT_CONFIG_DIR must name the folder of resources (required in standalone mode)',
  })
  WEFT_CONFIG_DIR?: string;

  /** Node mode: the workloads this proxy serves, a YAML or JSON list (see `WorkloadSpec`). */
  @IsOptional()
  @IsString()
  WEFT_WORKLOADS?: string;

  /** Node mode: the same list in a file (instead of WEFT_WORKLOADS). */
  @IsOptional()
  @IsString()
  WEFT_WORKLOADS_FILE?: string;

  /** Called hosts whose destinations are followed at once; past it the least recently called go. */
  @ToInt()
  @IsInt()
  @Min(1)
  WEFT_MAX_DESTINATIONS: number = DEFAULT_DESTINATION_LIMITS.maxHosts;

  /** A called host not called again for this long is no longer followed (nor its destination). */
  @ToInt()
  @IsInt()
  @Min(100)
  WEFT_DESTINATION_TTL_MS: number = DEFAULT_DESTINATION_LIMITS.ttlMs;

  get destinationLimits(): DestinationLimits {
    return { maxHosts: this.WEFT_MAX_DESTINATIONS, ttlMs: this.WEFT_DESTINATION_TTL_MS };
  }

  get instanceId(): string {
    return this.idOr(this.WEFT_SERVICE || this.WEFT_MODE, hostname(), this.WEFT_INBOUND_PORT);
  }

  /** Who this proxy runs as: WEFT_SERVICE_ACCOUNT, else its Service's name (else its mode). */
  get serviceAccount(): string {
    return this.WEFT_SERVICE_ACCOUNT ?? (this.WEFT_SERVICE || this.WEFT_MODE);
  }

  /** An inbound listener in front of a local app: always for a sidecar, and where a port is set. */
  get hasApp(): boolean {
    return this.WEFT_MODE === 'sidecar' || this.WEFT_APP_PORT > 0;
  }

  get labels(): Record<string, string> {
    const extra = Object.fromEntries(
      (this.WEFT_LABELS ?? '')
        .split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => pair.split('=').map((s) => s.trim())),
    ) as Record<string, string>;
    return { ...extra, app: this.WEFT_SERVICE };
  }

  /** Throws on labels `@IsLabelMap` would reject, so a typo fails at boot, not at the control plane. */
  validateLabels(): void {
    if (!isLabelMap(this.labels))
      throw new Error(
        `invalid environment:\n  WEFT_LABELS=${JSON.stringify(this.WEFT_LABELS)}: must be k=v,k=v with label-style keys and values`,
      );
  }
}
