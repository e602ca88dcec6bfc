// Which traffic edge a request belongs to, noted by the pipeline and read when the request ends.
import type { IncomingMessage } from 'node:http';
import type { TrafficEdge } from './traffic-stats.js';

const EDGE = Symbol('weft.traffic-edge');

type EdgedRequest = IncomingMessage & { [EDGE]?: TrafficEdge };

export function setRequestEdge(req: IncomingMessage, edge: TrafficEdge): void {
  (req as EdgedRequest)[EDGE] = edge;
}

/** Undefined when the request was answered before the pipeline knew its edge. */
export function requestEdge(req: IncomingMessage): TrafficEdge | undefined {
  return (req as EdgedRequest)[EDGE];
}
