// One applied revision as kept in the history bucket: who, when, what changed, and the whole result;
// stored as a head (the summary `GET /v1/history` lists) and the entry in parts of any total size.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import { SnapshotMarker, type ConfigSource } from './config-entry.dto.js';

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

/** The revision's snapshot marker, plus what it changed and the whole state it left. */
export class HistoryEntry extends SnapshotMarker {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => HistoryChange)
  changes: HistoryChange[] = [];

  /** KV key → owned resource: the whole desired state after this revision. */
  @IsObject()
  resources: Record<string, OwnedResource> = {};
}

/** Changes a history head lists; the entry itself has them all. */
export const HISTORY_HEAD_CHANGES = 100;

/** How many resources a revision created, configured and deleted. */
export class ChangeCounts {
  @IsInt()
  @Min(0)
  created!: number;

  @IsInt()
  @Min(0)
  configured!: number;

  @IsInt()
  @Min(0)
  deleted!: number;
}

/**
 * Key `revision.<n>` of the history bucket: the revision's summary, created before anything else of
 * it (claiming the number). The entry (a HistoryEntry's JSON) follows in `parts` keys
 * `revision.<n>.<i>`, as large as the desired state is: a NATS message holds at most `max_payload`.
 */
export class HistoryHead extends SnapshotMarker {
  /** The first HISTORY_HEAD_CHANGES changes, in order. */
  @IsArray()
  @ArrayMaxSize(HISTORY_HEAD_CHANGES)
  @ValidateNested({ each: true })
  @Type(() => HistoryChange)
  changes: HistoryChange[] = [];

  @ValidateNested()
  @Type(() => ChangeCounts)
  counts!: ChangeCounts;

  @IsInt()
  @Min(1)
  parts!: number;

  /** Length of the entry's JSON, in bytes. */
  @IsInt()
  @Min(0)
  bytes!: number;

  /** SHA-256 of the entry's JSON (hex): its parts are checked against it when read back. */
  @Matches(/^[0-9a-f]{64}$/)
  digest!: string;
}
