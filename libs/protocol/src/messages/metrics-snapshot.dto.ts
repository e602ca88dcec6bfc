// Golden-signal snapshot a proxy publishes every few seconds on `weft.v1.telemetry.metrics.<ns>.<service>.<proxyId>`.
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { ProxyReport } from './proxy-report.dto.js';
import { ListOf } from '../validation/list-of.validator.js';

/**
 * Upper bounds (ms, inclusive) of the latency buckets every snapshot uses; one more bucket counts
 * what exceeds the last bound. Fixed in the protocol so that the control plane can add up the
 * histograms of many proxies before taking quantiles (quantiles themselves cannot be averaged).
 */
export const SNAPSHOT_LATENCY_BOUNDS_MS = [
  0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 150, 250, 500, 750, 1000, 2500, 5000, 10000,
] as const;

/** Which side of the proxy saw the traffic: calls the local app made, or calls made to it. */
export const EDGE_DIRECTIONS = ['outbound', 'inbound'] as const;
export type EdgeDirection = (typeof EDGE_DIRECTIONS)[number];

/** `<namespace>/<service>`, or `unknown` where the other side is not known (an inbound caller). */
const PEER = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?|unknown)$/;
const PEER_MESSAGE = 'must be "<namespace>/<service>" or "unknown"';

/** Traffic between two services as one proxy saw it during one window. */
export class EdgeStats {
  @IsIn(EDGE_DIRECTIONS)
  direction!: EdgeDirection;

  @Matches(PEER, { message: `source ${PEER_MESSAGE}` })
  source!: string;

  @Matches(PEER, { message: `destination ${PEER_MESSAGE}` })
  destination!: string;

  /** `<namespace>/<name>` of the HTTPRoute that matched, when one did. */
  @IsOptional()
  @IsString()
  @MaxLength(253)
  route?: string;

  /** Responses completed in the window. */
  @IsInt()
  @Min(0)
  requests!: number;

  /** Of those, the failures: 5xx answers and requests that got no answer. */
  @IsInt()
  @Min(0)
  failures!: number;

  /** Request durations: counts per `SNAPSHOT_LATENCY_BOUNDS_MS` bucket, plus the overflow. */
  @IsInt({ each: true })
  @Min(0, { each: true })
  @ArrayMinSize(SNAPSHOT_LATENCY_BOUNDS_MS.length + 1)
  @ArrayMaxSize(SNAPSHOT_LATENCY_BOUNDS_MS.length + 1)
  latencyBuckets!: number[];
}

export class MetricsSnapshot extends ProxyReport {
  /** Length of the window the counts cover, in milliseconds (rates are counts / window). */
  @IsInt()
  @Min(1)
  windowMs!: number;

  /** Sender's clock at the end of the window, milliseconds since the epoch. */
  @IsInt()
  @Min(0)
  sentAt!: number;

  @ListOf(() => EdgeStats, 10_000)
  edges: EdgeStats[] = [];
}
