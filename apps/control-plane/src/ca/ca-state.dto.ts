// The CA bucket's one value (key `authority`): the roots with their sealed keys and the rotation
// phase, replaced whole by compare-and-set so every replica sees one consistent authority.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import { PEM_CERTIFICATE, PROTOCOL_VERSION } from '@app/protocol';
import { IsProtocolVersion } from '@app/protocol/validation/protocol-version.validator.js';
import { SealedKey } from './sealed-key.js';

/** KV key of the CA state in the CA bucket. */
export const CA_STATE_KEY = 'authority';

/**
 * `steady`: one root signs and is trusted. `distributing`: a new root is trusted too, the old one
 * still signs, until every proxy holds both. `signing`: the new root signs, until every proxy's
 * leaf chains to it; then the old root is dropped and the phase is `steady` again.
 */
export const ROTATION_PHASES = ['steady', 'distributing', 'signing'] as const;
export type RotationPhase = (typeof ROTATION_PHASES)[number];

export class StoredRoot {
  @Matches(PEM_CERTIFICATE, { message: 'cert must be one PEM CERTIFICATE block' })
  cert!: string;

  @ValidateNested()
  @Type(() => SealedKey)
  key!: SealedKey;
}

export class CaState {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  /** The trust bundle, oldest first: one root, two during a rotation. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ValidateNested({ each: true })
  @Type(() => StoredRoot)
  roots!: StoredRoot[];

  /** Fingerprint of the root that signs. */
  @Matches(/^[0-9a-f]{64}$/)
  signer!: string;

  @IsIn(ROTATION_PHASES)
  phase!: RotationPhase;

  /** When the running rotation started (ms since the epoch); absent when steady. */
  @IsOptional()
  @IsInt()
  @Min(0)
  rotationStartedAt?: number;
}
