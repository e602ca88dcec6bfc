// For specs: a Service of scripted endpoints sent to through the upstream half, with the retries and
// refusals it counted.
import type { ServerResponse } from 'node:http';
import { jest } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import type { Exchange } from '../exchange.js';
import {
  fakeExchange,
  fakeRequest,
  recordedResponse,
  type RecordedResponse,
} from '../http/http-doubles.testing.js';
import { upstreamHalf } from '../pipeline.js';
import type { ExchangePolicy } from '../routing/route-table.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import { Cluster } from './cluster.js';
import type { TrafficSettings } from './cluster-policy.js';
import { commitTraffic } from './cluster-policy.testing.js';
import { endpoint, type Endpoint } from './endpoint.js';
import { ScriptedUpstream, type Script } from './scripted-upstream.testing.js';
import type { UpstreamContext } from './upstream-try.js';

/** Fake timers, and no jitter: each retry's backoff is the route's minimum. */
export function fakeTime(): void {
  jest.useFakeTimers();
  jest.spyOn(Math, 'random').mockReturnValue(0);
}

/** Undoes `fakeTime`. */
export function realTime(): void {
  jest.restoreAllMocks();
  jest.useRealTimers();
}

/** A route that retries 503 and 504 twice, 10 ms apart at least, each try within 5 s. */
export const RETRY_503: ExchangePolicy = {
  timeoutMs: 5_000,
  retry: { codes: new Set([503, 504]), attempts: 2, backoffMs: 10 },
};

/** The endpoints of `ScriptedService`, unless a spec names others. */
export const A = endpoint('a', '10.0.0.1', 80);
export const B = endpoint('b', '10.0.0.2', 80);

/** An upstream context over `upstream` that writes down each retry and refusal it counts. */
export class RecordingContext implements UpstreamContext {
  readonly retries: string[] = [];
  readonly overflows: string[] = [];
  readonly tracer: HopTracer;
  readonly ejectMs = 5_000;
  readonly bodyTimeoutMs = 60_000;
  readonly caller = 'shop/web';
  readonly retried = (reason: string): void => void this.retries.push(reason);
  readonly overflowed = (reason: string): void => void this.overflows.push(reason);

  constructor(
    readonly pools: ScriptedUpstream,
    tracer = new HopTracer(trace.getTracer('spec')),
  ) {
    this.tracer = tracer;
  }
}

/** Sends `ex` to `cluster` under `policy` through the upstream half, as a route would. */
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

/** A Service `shop/api` of scripted endpoints (round robin), and the context its exchanges take. */
export class ScriptedService {
  readonly upstream = new ScriptedUpstream();
  readonly ctx: RecordingContext;
  readonly cluster = new Cluster('shop/api');

  constructor(
    private readonly endpoints: readonly Endpoint[] = [A, B],
    tracer?: HopTracer,
  ) {
    this.ctx = new RecordingContext(this.upstream, tracer);
    this.cluster.setEndpoints(endpoints);
    this.configure({});
  }

  /** Round robin plus `extra`. */
  configure(extra: Partial<TrafficSettings>): void {
    commitTraffic(this.cluster, { loadBalancer: { type: 'RoundRobin' }, ...extra });
  }

  /** Every endpoint answers as `script` says. */
  scriptAll(script: Script): this {
    for (const e of this.endpoints) this.upstream.script(e.origin, script);
    return this;
  }

  /** Sends one exchange of `ex` (a GET / by default) under `policy`; its response. */
  send(
    policy: ExchangePolicy,
    ex: Exchange = fakeExchange(fakeRequest(), recordedResponse()),
    path = '/',
  ): RecordedResponse & ServerResponse {
    forwardTo(this.ctx, ex, this.cluster, policy, path);
    return ex.res as RecordedResponse & ServerResponse;
  }
}
