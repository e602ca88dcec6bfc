// The ready instances selected by one Service, published by the control plane at `endpoints.<ns>.<service>`.
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { InstanceOwner } from './instance.dto.js';
import { ServiceMessage } from './service-message.dto.js';

/** One endpoint of a set: an instance, and how callers reach it. */
export class EndpointEntry extends InstanceOwner {
  /**
   * The instance's effective PeerAuthentication is DISABLE: callers speak plaintext to it. Otherwise
   * they originate mTLS and check its certificate names `serviceAccount` in `namespace`. Set by the
   * control plane alone (never taken from a heartbeat).
   */
  @IsOptional()
  @IsBoolean()
  plaintext?: boolean;

  /**
   * A pod of a cluster Service with no Weft proxy (from its EndpointSlices): `plaintext` too, and no
   * identity to check (`serviceAccount` is not known). Set by the control plane alone.
   */
  @IsOptional()
  @IsBoolean()
  unmeshed?: boolean;

  /**
   * An instance of another cluster, reached through that cluster's east-west gateway (`address` and
   * `port` are the gateway's): the server name to send, which names the instance
   * (`eastWestSni`). Callers check its certificate names `serviceAccount` as for any instance. Set
   * by the control plane alone, from the exporting cluster's announcement.
   */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  sni?: string;
}

/**
 * Whether an entry is an instance whose proxy runs in this cluster (heartbeats, memberships): not an
 * unmeshed pod, and not another cluster's instance reached through its east-west gateway.
 */
export function isOwnInstance(e: EndpointEntry): boolean {
  return !e.unmeshed && e.sni === undefined;
}

/** `service` is the selecting Service (not necessarily the instances' own `service`). */
export class EndpointSet extends ServiceMessage {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EndpointEntry)
  endpoints: EndpointEntry[] = [];

  @IsInt()
  @Min(0)
  updatedAt!: number;
}
