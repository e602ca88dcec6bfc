// What a cluster's control plane announces of one Service it exports, on
// `weft.v1.clusterset.export.<cluster>.<namespace>.<service>`: its endpoints there, or its withdrawal.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import { IsPort } from '../validation/port.validator.js';
import { EndpointEntry } from './endpoint-set.dto.js';
import { ServiceMessage } from './service-message.dto.js';

/** Endpoints one announcement may list: a bound on what another cluster can make this one hold. */
export const MAX_EXPORTED_ENDPOINTS = 1_000;

/** Where other clusters' proxies reach the exporting cluster's east-west gateway. */
export class EastWestGatewayAddress {
  @IsString()
  @MaxLength(253)
  address!: string;

  @IsPort()
  port!: number;
}

export class ServiceExportAnnouncement extends ServiceMessage {
  /** The exporting cluster (its `WEFT_CLUSTER`); the subject names it too, and must agree. */
  @Matches(DNS_LABEL, { message: `cluster ${DNS_LABEL_MESSAGE}` })
  cluster!: string;

  /** False: the export was removed, and importers drop it at once. */
  @IsBoolean()
  exported!: boolean;

  /** The Service's ready endpoints in that cluster, each with `cluster` set. */
  @IsArray()
  @ArrayMaxSize(MAX_EXPORTED_ENDPOINTS)
  @ValidateNested({ each: true })
  @Type(() => EndpointEntry)
  endpoints: EndpointEntry[] = [];

  /**
   * The exporting cluster's east-west gateway (its WEFT_EASTWEST_GATEWAY): importers give HTTP
   * callers an endpoint through it per instance. Absent: the Service is reached over the bus only.
   */
  @IsOptional()
  @ValidateNested()
  @Type(() => EastWestGatewayAddress)
  gateway?: EastWestGatewayAddress;

  /** Sender's clock, milliseconds since the epoch (informative: expiry uses the receiver's clock). */
  @IsInt()
  @Min(0)
  sentAt!: number;
}
