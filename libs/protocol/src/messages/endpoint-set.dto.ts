// The ready instances selected by one Service, published by the control plane at `endpoints.<ns>.<service>`.
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
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
   * The cluster the instance runs in, when it is not this one's: set on the endpoints a cluster
   * exports (docs/multi-cluster.md).
   */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `cluster ${DNS_LABEL_MESSAGE}` })
  cluster?: string;
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
