// Unit spec for the process's sampling: every span it calls unrecorded is one the SDK, with the same
// sampler, would not record either, with the same trace flags; and it leaves the sampled ones alone.
import { describe, expect, it } from '@jest/globals';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { processSampling } from './trace-sampling.js';

const PARENT = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

/** What the SDK itself does with a span under `parentFlags` (undefined: a root), given `env`. */
function sdkSpan(exporting: boolean, env: NodeJS.ProcessEnv, parentFlags: TraceFlags | undefined) {
  const { sampler } = processSampling(exporting, env);
  const tracer = new BasicTracerProvider({ sampler }).getTracer('spec');
  const ctx =
    parentFlags === undefined
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, { ...PARENT, traceFlags: parentFlags, isRemote: true });
  const span = tracer.startSpan('GET', {}, ctx);
  return { recording: span.isRecording(), flags: span.spanContext().traceFlags };
}

const CASES: [string, boolean, NodeJS.ProcessEnv][] = [
  ['not exporting', false, {}],
  ['default (parentbased_always_on)', true, {}],
  ['always_on', true, { OTEL_TRACES_SAMPLER: 'always_on' }],
  ['always_off', true, { OTEL_TRACES_SAMPLER: 'always_off' }],
  ['traceidratio 0', true, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }],
  ['traceidratio 1', true, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }],
  ['parentbased_always_off', true, { OTEL_TRACES_SAMPLER: 'parentbased_always_off' }],
  [
    'parentbased_traceidratio 0',
    true,
    { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
  ],
  [
    'parentbased_traceidratio, ratio out of range (the SDK reads 1)',
    true,
    { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' },
  ],
  ['an unknown sampler (the SDK reads parentbased_always_on)', true, { OTEL_TRACES_SAMPLER: 'x' }],
];

const PARENTS: [string, TraceFlags | undefined][] = [
  ['a root', undefined],
  ['a sampled parent', TraceFlags.SAMPLED],
  ['an unsampled parent', TraceFlags.NONE],
];

describe('processSampling', () => {
  for (const [name, exporting, env] of CASES) {
    it(`${name}: unrecorded exactly where the SDK records nothing, with its flags`, () => {
      const { sampling } = processSampling(exporting, env);
      for (const [, parentFlags] of PARENTS) {
        const sdk = sdkSpan(exporting, env, parentFlags);
        const flags = sampling.unrecorded(parentFlags);
        if (flags === undefined) expect(sdk.recording).toBe(true);
        // Not exporting, the SDK still "records" a sampled parent's span (for nobody): the flag is what counts.
        else expect(sdk.flags).toBe(flags);
        if (exporting && flags !== undefined) expect(sdk.recording).toBe(false);
      }
    });
  }

  it('skips the SDK for the spans a sampled-out mesh makes: roots at ratio 0, unsampled parents', () => {
    const { sampling } = processSampling(true, {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
    });
    expect(PARENTS.map(([, flags]) => sampling.unrecorded(flags))).toEqual([
      TraceFlags.NONE,
      undefined,
      TraceFlags.NONE,
    ]);
  });

  it('not exporting, records nothing but passes a caller’s sampled flag on', () => {
    const { sampling } = processSampling(false, {});
    expect(PARENTS.map(([, flags]) => sampling.unrecorded(flags))).toEqual([
      TraceFlags.NONE,
      TraceFlags.SAMPLED,
      TraceFlags.NONE,
    ]);
  });
});
