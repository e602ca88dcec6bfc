// One client connection as the NATS server knows it: server id plus the server-assigned client id.
import { IsInt, IsString, MaxLength, Min, MinLength } from 'class-validator';

/**
 * Unique for the server's lifetime (a restarted server has a new id), so a reconnecting client
 * gets a new one and an old connection's events never match the new connection.
 */
export class NatsConnectionRef {
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  server!: string;

  @IsInt()
  @Min(0)
  cid!: number;
}

/** The ref as one string, for maps. */
export function connectionKey(ref: NatsConnectionRef): string {
  return `${ref.server}/${ref.cid}`;
}
