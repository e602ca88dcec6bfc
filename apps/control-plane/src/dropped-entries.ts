// `weft_control_plane_dropped_total`: what the control plane's tables keyed by message data dropped
// or refused to stay within their bounds, by table and reason.
import { eventCounter } from '@app/runtime';

/** The tables keyed by what proxies send: proxy rows, live instances, metric snapshots. */
export type BoundedTable = 'proxies' | 'instances' | 'snapshots';

/**
 * `expired`: silent past its TTL; `evicted`: the oldest, dropped to make room for a newer one;
 * `refused`: a new entry not taken because the table was full.
 */
export type DropReason = 'expired' | 'evicted' | 'refused';

const dropped = eventCounter(
  'weft.control_plane.dropped',
  'Entries of tables keyed by message data dropped (expired, evicted) or refused (table full)',
  '{entry}',
);

export function countDropped(table: BoundedTable, reason: DropReason, count = 1): void {
  dropped.inc({ 'weft.table': table, 'weft.drop.reason': reason }, count);
}
