// KV values the control plane writes: one per resource, and the snapshot marker closing each apply.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';

export const CONFIG_SOURCES = ['api', 'dir', 'cli', 'kubernetes'] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

abstract class Stamped {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  /** The config revision that last wrote this value. */
  @IsInt()
  @Min(1)
  revision!: number;

  @IsIn(CONFIG_SOURCES)
  source!: ConfigSource;

  @IsInt()
  @Min(0)
  appliedAt!: number;
}

/** A stored resource; `resource` is validated separately with `parseResource`. */
export class ConfigEntry extends Stamped {
  @IsObject()
  resource!: Record<string, unknown>;
}

/** A KV key at one of its revisions. */
export class KeyRevision {
  @IsString()
  @MaxLength(512)
  key!: string;

  @IsInt()
  @Min(0)
  seq!: number;
}

/**
 * Written after every resource of an apply: a proxy applies what it has watched so far only when
 * the marker arrives, so it never runs half an apply.
 */
export class SnapshotMarker extends Stamped {
  @IsString()
  @MaxLength(256)
  author: string = 'unknown';

  /**
   * The projections (`dst.…`, `alias.…`) this revision wrote, each at its KV revision (a delete: one
   * past the value it removed):
   * a proxy holding an older value of one it follows reads it before applying the revision.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => KeyRevision)
  projections?: KeyRevision[];
}
