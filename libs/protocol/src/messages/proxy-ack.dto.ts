// A proxy's report of the config revision it applied (ACK) or rejected (NACK, with the reason).
import {
  Equals,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { SUBJECT_TOKEN } from '../subjects.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import { PROXY_MODES, type ProxyMode } from './heartbeat.dto.js';

export class ProxyAck {
  @Equals(PROTOCOL_VERSION, {
    message: `v must be ${PROTOCOL_VERSION} (the protocol version this build speaks)`,
  })
  v: number = PROTOCOL_VERSION;

  @Matches(SUBJECT_TOKEN, { message: 'proxyId must contain only letters, digits, "-" and "_"' })
  proxyId!: string;

  @IsIn(PROXY_MODES)
  mode!: ProxyMode;

  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace!: string;

  @Matches(DNS_LABEL, { message: `service ${DNS_LABEL_MESSAGE}` })
  service!: string;

  /** The config revision this report is about. */
  @IsInt()
  @Min(0)
  revision!: number;

  @IsIn(['ACK', 'NACK'])
  status!: 'ACK' | 'NACK';

  @IsOptional()
  @IsString()
  @MaxLength(8192)
  error?: string;

  @IsInt()
  @Min(0)
  sentAt!: number;
}
