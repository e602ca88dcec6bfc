// Heartbeat and state change of one instance, on `weft.v1.health.<ns>.<service>.<sa>.<instanceId>`.
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Min, ValidateNested } from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';
import { SUBJECT_TOKEN } from '../subjects.js';
import { InstanceOwner } from './instance.dto.js';
import { NatsConnectionRef } from './nats-connection.dto.js';

export const INSTANCE_STATES = ['starting', 'ready', 'draining', 'down'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

export const PROXY_MODES = ['sidecar', 'node', 'standalone', 'edge', 'router'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

export class Heartbeat extends InstanceOwner {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @IsIn(INSTANCE_STATES)
  state!: InstanceState;

  @IsIn(PROXY_MODES)
  mode!: ProxyMode;

  @Matches(SUBJECT_TOKEN, { message: 'proxyId must contain only letters, digits, "-" and "_"' })
  proxyId!: string;

  /** Sender's clock, milliseconds since the epoch (informative: expiry uses the receiver's clock). */
  @IsInt()
  @Min(0)
  sentAt!: number;

  /**
   * The NATS connection the proxy sends from: when the server reports it closed, the control plane
   * removes the instance at once instead of waiting for the heartbeat TTL.
   */
  @IsOptional()
  @ValidateNested()
  @Type(() => NatsConnectionRef)
  connection?: NatsConnectionRef;
}
