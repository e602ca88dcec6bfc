// The NATS server's advisory that a client connection closed (`$SYS.ACCOUNT.<account>.DISCONNECT`).
import { Type } from 'class-transformer';
import {
  Equals,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** `type` of the advisory (docs.nats.io, reference/system/advisory/client-disconnect). */
export const CLIENT_DISCONNECT_ADVISORY = 'io.nats.server.advisory.v1.client_disconnect';

/** The server closing a client on shutdown says nothing about the client: it reconnects elsewhere. */
export const SERVER_SHUTDOWN_REASON = 'Server Shutdown';

export class AdvisoryServerInfo {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  id!: string;
}

export class AdvisoryClientInfo {
  /** The server-assigned client id (`client_id` in the client's INFO). */
  @IsInt()
  @Min(0)
  id!: number;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  acc?: string;
}

/** Only the fields Weft reads; the rest (traffic counters, versions, …) is stripped. */
export class ClientDisconnectAdvisory {
  @Equals(CLIENT_DISCONNECT_ADVISORY, { message: `type must be ${CLIENT_DISCONNECT_ADVISORY}` })
  type!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => AdvisoryServerInfo)
  server!: AdvisoryServerInfo;

  @IsObject()
  @ValidateNested()
  @Type(() => AdvisoryClientInfo)
  client!: AdvisoryClientInfo;

  @IsString()
  @MaxLength(256)
  reason!: string;
}
