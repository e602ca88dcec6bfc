// The ready instances selected by one Service, published by the control plane at `endpoints.<ns>.<service>`.
import { Type } from 'class-transformer';
import { IsArray, IsInt, Min, ValidateNested } from 'class-validator';
import { InstanceOwner } from './instance.dto.js';
import { ServiceMessage } from './service-message.dto.js';

/** `service` is the selecting Service (not necessarily the instances' own `service`). */
export class EndpointSet extends ServiceMessage {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => InstanceOwner)
  endpoints: InstanceOwner[] = [];

  @IsInt()
  @Min(0)
  updatedAt!: number;
}
