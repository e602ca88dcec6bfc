// The tracing work of one hop (server span, a client span, its traceparent, both ended) in one
// process: through the SDK, and without it for spans the sampler never records (issue 14), the
// two alternating, CPU ns per hop. Run: node --experimental-transform-types bench/hop-tracer.mjs
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

const { HopTracer, endHttpSpan, traceparentOf } =
  await import('../libs/dataplane/src/telemetry/hop-tracer.ts');
const { processSampling } = await import('../libs/runtime/src/trace-sampling.ts');

const HOPS = 200_000;
const ROUNDS = 12;
const WARMUP_ROUNDS = 2;

// The bench's setting: spans exported, parent-based, a ratio of 0 (every root sampled out).
const { sampler, sampling } = processSampling(true, {
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0',
});
const tracer = new BasicTracerProvider({ sampler }).getTracer('weft');
const variants = { sdk: new HopTracer(tracer), 'no SDK': new HopTracer(tracer, sampling) };
const req = {
  method: 'GET',
  url: '/',
  headers: { host: 'up' },
  socket: { remoteAddress: '127.0.0.1' },
};

function hops(hop) {
  for (let i = 0; i < HOPS; i++) {
    const server = hop.server(req, 'outbound');
    const client = hop.client({ req, span: server }, 'default/up');
    traceparentOf(client);
    endHttpSpan(client, 200, SpanKind.CLIENT);
    endHttpSpan(server, 200, SpanKind.SERVER);
  }
}

const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(variants);
  for (const name of round % 2 ? names.reverse() : names) {
    const before = process.cpuUsage();
    hops(variants[name]);
    const { user, system } = process.cpuUsage(before);
    if (round >= WARMUP_ROUNDS) samples[name].push(((user + system) * 1000) / HOPS);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [name, ns] of Object.entries(samples))
  console.log(`${name}: ${median(ns).toFixed(0)} ns per hop (median of ${ns.length} rounds)`);
