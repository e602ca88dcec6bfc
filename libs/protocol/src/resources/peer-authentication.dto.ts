// Weft's `PeerAuthentication` (weft.dev/v1alpha1, Istio's shape and semantics): whether a workload's
// inbound listener requires mTLS (STRICT), accepts TLS and plaintext (PERMISSIVE) or plaintext only
// (DISABLE); mesh-wide in the root namespace, namespace-wide without a selector, else per workload.
import { Type } from 'class-transformer';
import { Equals, IsIn, IsOptional, ValidateNested } from 'class-validator';
import { ObjectMeta } from './object-meta.dto.js';
import { WEFT_API_VERSION } from './traffic-policy.dto.js';
import { IsLabelMap } from '../validation/string-map.validator.js';
import type { Condition } from './route-status.js';

/**
 * The root namespace (Istio's `istio-system`): a policy here without a selector is mesh-wide. Its
 * `policies.<ns>` bundle is followed by every proxy.
 */
export const ROOT_NAMESPACE = 'weft-system';

/** Istio's modes; UNSET inherits the parent scope's (workload → namespace → mesh → STRICT). */
export const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;
export type MtlsModeSetting = (typeof MTLS_MODES)[number];
/** A mode in effect: UNSET resolved. */
export type MtlsMode = Exclude<MtlsModeSetting, 'UNSET'>;

/** The mode of a mesh with no PeerAuthentication that says otherwise: secure by default. */
export const DEFAULT_MTLS_MODE: MtlsMode = 'STRICT';

export class WorkloadSelector {
  /** Labels a workload must all carry; an empty map selects every workload of the namespace. */
  @IsLabelMap()
  matchLabels: Record<string, string> = {};
}

export class PeerAuthenticationMtls {
  @IsIn(MTLS_MODES, { message: `mode must be one of ${MTLS_MODES.join(', ')}` })
  mode: MtlsModeSetting = 'UNSET';
}

export class PeerAuthenticationSpec {
  /** The workloads of the policy's namespace it applies to; absent: all of them (namespace-wide). */
  @IsOptional()
  @ValidateNested()
  @Type(() => WorkloadSelector)
  selector?: WorkloadSelector;

  @IsOptional()
  @ValidateNested()
  @Type(() => PeerAuthenticationMtls)
  mtls?: PeerAuthenticationMtls;

  /**
   * Istio's per-port modes. Each Weft workload has one inbound port, so a workload-wide mode says
   * the same: refused rather than silently ignored.
   */
  @IsOptional()
  @Equals(undefined, {
    message: 'portLevelMtls is not supported: a Weft workload has one inbound port, use mtls.mode',
  })
  portLevelMtls?: unknown;
}

export class PeerAuthentication {
  @Equals(WEFT_API_VERSION)
  apiVersion!: typeof WEFT_API_VERSION;

  @Equals('PeerAuthentication')
  kind!: 'PeerAuthentication';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  @ValidateNested()
  @Type(() => PeerAuthenticationSpec)
  spec: PeerAuthenticationSpec = new PeerAuthenticationSpec();
}

/** A PeerAuthentication's status: `Accepted`, or `Conflicted` when another one takes its scope. */
export interface PeerAuthenticationStatus {
  readonly conditions: readonly Condition[];
}

/** A PeerAuthentication as `GET /v1/resources` lists it: as applied, plus its computed status. */
export type PeerAuthenticationWithStatus = PeerAuthentication & {
  readonly status?: PeerAuthenticationStatus;
};
