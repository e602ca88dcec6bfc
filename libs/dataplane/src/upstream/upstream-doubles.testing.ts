// For specs: the upstream half run over scripted endpoints, with the retries and refusals it counted.
import { trace } from '@opentelemetry/api';
import type { Exchange } from '../exchange.js';
import { upstreamHalf } from '../pipeline.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import type { Cluster } from './cluster.js';
import type { ScriptedUpstream } from './scripted-upstream.testing.js';
import type { UpstreamContext } from './upstream-try.js';

/** An upstream context over `upstream` that writes down each retry and refusal it counts. */
export class RecordingContext implements UpstreamContext {
  readonly retries: string[] = [];
  readonly overflows: string[] = [];
  readonly tracer = new HopTracer(trace.getTracer('spec'));
  readonly ejectMs = 5_000;
  readonly bodyTimeoutMs = 60_000;
  readonly caller = 'shop/web';
  readonly retried = (reason: string): void => void this.retries.push(reason);
  readonly overflowed = (reason: string): void => void this.overflows.push(reason);

  constructor(readonly pools: ScriptedUpstream) {}
}

/** Sends `ex` to `cluster` under `policy` through the upstream half (`path` `/`), as a route would. */
export function forwardTo(
  ctx: UpstreamContext,
  ex: Exchange,
  cluster: Cluster,
  policy: ExchangePolicy,
  path = '/',
): Exchange {
  ex.cluster = cluster;
  ex.policy = policy;
  ex.path = path;
  for (const step of upstreamHalf(ctx)) if (step(ex) !== 'next') break;
  return ex;
}
