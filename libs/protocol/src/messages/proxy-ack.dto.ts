// A proxy's report of the config revision it applied (ACK) or rejected (NACK, with the reason).
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { ProxyReport } from './proxy-report.dto.js';
import { TrustReport } from './trust-report.dto.js';

export class ProxyAck extends ProxyReport {
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

  /** The trust bundle and leaf issuers the proxy holds; absent before it holds a certificate. */
  @IsOptional()
  @ValidateNested()
  @Type(() => TrustReport)
  trust?: TrustReport;
}
