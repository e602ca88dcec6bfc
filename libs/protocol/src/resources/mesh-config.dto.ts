// Weft's `MeshConfig` (weft.dev/v1alpha1): mesh-wide settings, one resource `default` in the root
// namespace (as Istio's MeshConfig); today where meshed callers may send requests no Service covers.
import { Type } from 'class-transformer';
import { Equals, IsIn, IsOptional, ValidateNested } from 'class-validator';
import { ObjectMeta } from './object-meta.dto.js';
import { ROOT_NAMESPACE } from './peer-authentication.dto.js';
import { WEFT_API_VERSION } from './traffic-policy.dto.js';

/** The one MeshConfig's name (its namespace is the root namespace). */
export const MESH_CONFIG_NAME = 'default';

/**
 * Istio's modes: ALLOW_ANY passes a request for an address no Service covers through to that
 * address; REGISTRY_ONLY answers it 404 `no_route`.
 */
export const OUTBOUND_TRAFFIC_MODES = ['ALLOW_ANY', 'REGISTRY_ONLY'] as const;
export type OutboundTrafficMode = (typeof OUTBOUND_TRAFFIC_MODES)[number];

/** Istio's default, kept: a mesh without a MeshConfig passes unknown addresses through. */
export const DEFAULT_OUTBOUND_TRAFFIC_MODE: OutboundTrafficMode = 'ALLOW_ANY';

export class OutboundTrafficPolicy {
  @IsIn(OUTBOUND_TRAFFIC_MODES, {
    message: `mode must be one of ${OUTBOUND_TRAFFIC_MODES.join(', ')}`,
  })
  mode: OutboundTrafficMode = DEFAULT_OUTBOUND_TRAFFIC_MODE;
}

export class MeshConfigSpec {
  @IsOptional()
  @ValidateNested()
  @Type(() => OutboundTrafficPolicy)
  outboundTrafficPolicy?: OutboundTrafficPolicy;
}

export class MeshConfig {
  @Equals(WEFT_API_VERSION)
  apiVersion!: typeof WEFT_API_VERSION;

  @Equals('MeshConfig')
  kind!: 'MeshConfig';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  @ValidateNested()
  @Type(() => MeshConfigSpec)
  spec: MeshConfigSpec = new MeshConfigSpec();
}

/** Where a MeshConfig may live: errors at `metadata.namespace` and `metadata.name` otherwise. */
export function meshConfigPlacementErrors(config: MeshConfig): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  if (config.metadata.namespace !== ROOT_NAMESPACE)
    errors.push({
      path: 'metadata.namespace',
      message: `a MeshConfig is mesh-wide: it must be in the root namespace ${ROOT_NAMESPACE}`,
    });
  if (config.metadata.name !== MESH_CONFIG_NAME)
    errors.push({
      path: 'metadata.name',
      message: `the mesh has one MeshConfig: it must be named ${MESH_CONFIG_NAME}`,
    });
  return errors;
}

/** The mode in force: the root namespace's `default` MeshConfig's, else ALLOW_ANY. */
export function outboundTrafficMode(configs: readonly MeshConfig[]): OutboundTrafficMode {
  const config = configs.find(
    (c) => c.metadata.namespace === ROOT_NAMESPACE && c.metadata.name === MESH_CONFIG_NAME,
  );
  return config?.spec.outboundTrafficPolicy?.mode ?? DEFAULT_OUTBOUND_TRAFFIC_MODE;
}
