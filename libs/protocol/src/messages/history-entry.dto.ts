// One applied revision as kept in the history bucket: who, when, what changed, and the whole result.
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsObject, IsString, ValidateNested } from 'class-validator';
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
