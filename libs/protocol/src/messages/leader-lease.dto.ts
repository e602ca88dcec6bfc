// The control-plane leader lease (KV bucket `weft-leader`) and the event announcing a leadership change.
import { IsIn, IsInt, IsString, IsUrl, MaxLength, Min } from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';

/**
 * Held by the one control plane that writes. Renewed by compare-and-set every `ttlMs / 3`;
 * nats-server 2.9 ignores per-key TTLs, so a follower that sees the value unchanged for `ttlMs` on
 * its own clock takes it over by compare-and-set. `ttlMs: 0` is a released lease (take it now).
 */
export class LeaderLease {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  /** The holder's control-plane instance id (`<host>-<pid>`). */
  @IsString()
  @MaxLength(256)
  holder!: string;

  /** Where followers forward writes (the holder's admin API). */
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  adminUrl!: string;

  /** Grows by one with every new holder, never with a renewal. */
  @IsInt()
  @Min(1)
  term!: number;

  /** Holder's wall clock at the last renewal (informative: expiry uses each reader's own clock). */
  @IsInt()
  @Min(0)
  renewedAt!: number;

  @IsInt()
  @Min(0)
  ttlMs!: number;
}

export const LEADER_CHANGES = ['elected', 'deposed', 'resigned'] as const;
export type LeaderChange = (typeof LEADER_CHANGES)[number];

/** On `weft.v1.events.control-plane.leader`, from the control plane whose role changed. */
export class LeaderEvent extends LeaderLease {
  @IsIn(LEADER_CHANGES)
  change!: LeaderChange;
}
