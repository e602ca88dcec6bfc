// A token of the admin API as the token bucket keeps it: who it names, its role, its hash.
import { IsIn, IsInt, IsString, Matches, MaxLength, Min } from 'class-validator';
import { ADMIN_ROLES, PROTOCOL_VERSION, type AdminRole } from '@app/protocol';
import { IsProtocolVersion } from '@app/protocol/validation/protocol-version.validator.js';

/** A token's name: the caller's identity in the history; also its key in the bucket. */
export const TOKEN_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
export const TOKEN_NAME_MESSAGE =
  'must be 1 to 63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit';

/** Stored under `token.<name>`, so a name is taken once (a create is a compare-and-set). */
export class AdminTokenRecord {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @Matches(TOKEN_NAME, { message: `name ${TOKEN_NAME_MESSAGE}` })
  name!: string;

  @IsIn(ADMIN_ROLES)
  role!: AdminRole;

  /** SHA-256 of the token, hex. */
  @Matches(/^[0-9a-f]{64}$/)
  hash!: string;

  @IsInt()
  @Min(0)
  createdAt!: number;

  @IsString()
  @MaxLength(512)
  createdBy!: string;
}
