// One applied revision as kept in the history bucket: who, when, what changed, and the whole result.
import { Type } from 'class-transformer';
import {
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { CONFIG_SOURCES, type ConfigSource } from './config-entry.dto.js';

export class HistoryChange {
  @IsString()
  resource!: string;

  @IsIn(['created', 'configured', 'unchanged', 'deleted'])
  action!: 'created' | 'configured' | 'unchanged' | 'deleted';
}

/** A resource in the snapshot, with the source that owns it (a folder prunes only its own). */
export interface OwnedResource {
  readonly source: ConfigSource;
  readonly resource: Record<string, unknown>;
}

export class HistoryEntry {
  @Equals(PROTOCOL_VERSION, {
    message: `v must be ${PROTOCOL_VERSION} (the protocol version this build speaks)`,
  })
  v: number = PROTOCOL_VERSION;

  @IsInt()
  @Min(1)
  revision!: number;

  @IsIn(CONFIG_SOURCES)
  source!: ConfigSource;

  @IsString()
  @MaxLength(256)
  author!: string;

  @IsInt()
  @Min(0)
  appliedAt!: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => HistoryChange)
  changes: HistoryChange[] = [];

  /** KV key → owned resource: the whole desired state after this revision. */
  @IsObject()
  resources: Record<string, OwnedResource> = {};
}
