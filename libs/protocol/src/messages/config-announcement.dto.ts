// A change of a projected config key (or of the snapshot marker), announced by the leader on the
// key's own subject right after the write, so a proxy follows its destinations without a KV watch.
// `seq` is the write's KV revision; for a delete, one past the value it removed (the bucket does
// not say the delete's own, and that is the least it can be): readers order a key's values by it.
import { IsIn, IsOptional } from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';
import { KeyRevision } from './config-entry.dto.js';

export class ConfigAnnouncement extends KeyRevision {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @IsIn(['PUT', 'DEL'])
  op!: 'PUT' | 'DEL';

  /**
   * The value written, as the key's own message (validated by whoever reads it); absent for a
   * delete, and for a value too big to announce: the reader gets it from the bucket.
   */
  @IsOptional()
  value?: unknown;
}
