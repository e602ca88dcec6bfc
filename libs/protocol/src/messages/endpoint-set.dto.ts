// The ready instances selected by one Service, published by the control plane at `endpoints.<ns>.<service>`.
import { Type } from 'class-transformer';
import { IsArray, IsInt, Matches, Min, ValidateNested } from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import { InstanceOwner } from './instance.dto.js';

export class EndpointSet {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace!: string;

  /** The selecting Service (not necessarily the instances' own `service`). */
  @Matches(DNS_LABEL, { message: `service ${DNS_LABEL_MESSAGE}` })
  service!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => InstanceOwner)
  endpoints: InstanceOwner[] = [];

  @IsInt()
  @Min(0)
  updatedAt!: number;
}
