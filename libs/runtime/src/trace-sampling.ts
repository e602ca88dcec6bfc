// The process's trace sampler, read from OTEL_TRACES_SAMPLER/_ARG as OpenTelemetry's SDK reads them,
// and what it decides without being asked: the spans it can never record, so a hop skips the SDK.
import { TraceFlags } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';

/**
 * What a span's sampling decision is before the SDK is asked. Given the parent's trace flags
 * (undefined: the span starts a trace), the flags a span that is never recorded propagates, or
 * undefined when the span may be recorded (the SDK decides, as for any span).
 */
export interface TraceSampling {
  unrecorded(parentFlags: TraceFlags | undefined): TraceFlags | undefined;
}

/** The process's sampler (handed to the SDK) and the decisions it makes without being asked. */
export interface ProcessSampling {
  readonly sampler: Sampler;
  readonly sampling: TraceSampling;
}

/** The SDK's ratio when OTEL_TRACES_SAMPLER_ARG is blank, not a number, or outside [0, 1]. */
const DEFAULT_RATIO = 1;

/** Nothing exported: nothing recorded, but a caller's sampled flag passes on to the next hop. */
const NOT_EXPORTING: ProcessSampling = {
  sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  sampling: { unrecorded: (parentFlags) => (parentFlags ?? TraceFlags.NONE) & TraceFlags.SAMPLED },
};

/**
 * The sampler of `OTEL_TRACES_SAMPLER`/`_ARG` (the SDK's names and fallbacks: unset or unknown is
 * `parentbased_always_on`), or none recording at all when nothing is exported. A parent-based
 * sampler never records under a parent that was not sampled; a ratio of 0 never records a root.
 */
export function processSampling(exporting: boolean, env: NodeJS.ProcessEnv): ProcessSampling {
  if (!exporting) return NOT_EXPORTING;
  const ratio = samplerRatio(env.OTEL_TRACES_SAMPLER_ARG);
  switch (env.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return { sampler: new AlwaysOnSampler(), sampling: { unrecorded: () => undefined } };
    case 'always_off':
      return { sampler: new AlwaysOffSampler(), sampling: { unrecorded: () => TraceFlags.NONE } };
    case 'traceidratio':
      return {
        sampler: new TraceIdRatioBasedSampler(ratio),
        sampling: { unrecorded: () => (ratio === 0 ? TraceFlags.NONE : undefined) },
      };
    case 'parentbased_always_off':
      return parentBased(new AlwaysOffSampler(), true);
    case 'parentbased_traceidratio':
      return parentBased(new TraceIdRatioBasedSampler(ratio), ratio === 0);
    default:
      return parentBased(new AlwaysOnSampler(), false);
  }
}

/** A parent-based sampler: a sampled parent's span may record, an unsampled parent's never does. */
function parentBased(root: Sampler, rootsNeverRecorded: boolean): ProcessSampling {
  return {
    sampler: new ParentBasedSampler({ root }),
    sampling: {
      unrecorded: (parentFlags) => {
        if (parentFlags === undefined) return rootsNeverRecorded ? TraceFlags.NONE : undefined;
        return parentFlags & TraceFlags.SAMPLED ? undefined : TraceFlags.NONE;
      },
    },
  };
}

function samplerRatio(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_RATIO;
  const ratio = Number(raw);
  return Number.isNaN(ratio) || ratio < 0 || ratio > 1 ? DEFAULT_RATIO : ratio;
}
