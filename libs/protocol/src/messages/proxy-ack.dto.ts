// A proxy's report of the config revision it applied (ACK) or rejected (NACK, with the reason).
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { ProxyReport } from './proxy-report.dto.js';

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
}
