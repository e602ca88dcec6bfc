// The webhook's protocol: an admission.k8s.io/v1 AdmissionReview of a Pod in, the review's response (allowed, JSONPatch) out.
import { fail, formatErrors, ok, type FieldError, type Result } from '@app/protocol';
import type { PodManifest } from './pod-manifest.js';
import type { InjectionOptions } from './injection-options.js';
import { injectSidecar, type InjectionSettings } from './sidecar-injection.js';

const API_VERSION = 'admission.k8s.io/v1';
const RESOURCE = 'AdmissionReview';

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly patchType?: 'JSONPatch';
  /** The JSONPatch, base64. */
  readonly patch?: string;
  readonly status?: { readonly code: number; readonly message: string };
}

export interface AdmissionReviewReply {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof RESOURCE;
  readonly response: AdmissionResponse;
}

interface ReviewRequest {
  readonly uid: string;
  readonly namespace: string;
  readonly object: PodManifest;
  readonly dryRun: boolean;
}

/** Called for a pod injected for real (not a dry run): what its proxy needs beyond the patch. */
export type OnInjected = (namespace: string, options: InjectionOptions) => void;

/**
 * The reply to a review. A review that is not one (no request uid, not a Pod) fails: the webhook
 * answers 400, as it cannot address a reply. A pod Weft cannot inject (no Service name, a
 * container as uid 1337, a bad annotation) is refused with every reason, naming its field: the
 * pod is not created half-meshed.
 */
export function answerReview(
  body: unknown,
  settings: InjectionSettings,
  onInjected?: OnInjected,
): Result<AdmissionReviewReply> {
  const read = reviewRequest(body);
  if (!read.ok) return read;
  const { uid, namespace, object, dryRun } = read.value;
  const reply = (response: Omit<AdmissionResponse, 'uid'>): Result<AdmissionReviewReply> =>
    ok({ apiVersion: API_VERSION, kind: RESOURCE, response: { uid, ...response } });
  const outcome = injectSidecar(object, namespace, settings);
  if (!outcome.ok) {
    return reply({
      allowed: false,
      status: { code: 400, message: `weft injection: ${formatErrors(outcome.errors)}` },
    });
  }
  if (!outcome.value.injected) return reply({ allowed: true });
  // A dry run (`kubectl apply --dry-run=server`) must change nothing in the cluster.
  if (!dryRun) onInjected?.(namespace, outcome.value.options);
  const patch = Buffer.from(JSON.stringify(outcome.value.patch)).toString('base64');
  return reply({ allowed: true, patchType: 'JSONPatch', patch });
}

function reviewRequest(body: unknown): Result<ReviewRequest> {
  const error = (path: string, message: string): Result<ReviewRequest> =>
    fail([{ resource: RESOURCE, path, message }]);
  const review = body as {
    apiVersion?: unknown;
    kind?: unknown;
    request?: Record<string, unknown>;
  } | null;
  if (typeof review !== 'object' || review === null) return error('', 'must be a JSON object');
  if (review.apiVersion !== API_VERSION) return error('apiVersion', `must be ${API_VERSION}`);
  if (review.kind !== RESOURCE) return error('kind', `must be ${RESOURCE}`);
  const request = review.request;
  if (typeof request !== 'object' || request === null) return error('request', 'is required');
  if (typeof request.uid !== 'string' || request.uid === '')
    return error('request.uid', 'must be a string');
  const kind = request.kind as { group?: unknown; kind?: unknown } | undefined;
  if (kind?.group !== '' || kind.kind !== 'Pod') {
    return error('request.kind', 'must be the core Pod kind: the webhook injects pods only');
  }
  if (typeof request.namespace !== 'string' || request.namespace === '') {
    return error('request.namespace', "must be the pod's namespace");
  }
  const problems = podProblems(request.object);
  if (problems.length > 0) return fail(problems);
  return ok({
    uid: request.uid,
    namespace: request.namespace,
    object: request.object as PodManifest,
    dryRun: request.dryRun === true,
  });
}

/** What injection relies on in the pod: a spec with named containers. */
function podProblems(pod: unknown): FieldError[] {
  const at = (path: string, message: string): FieldError[] => [
    { resource: RESOURCE, path: `request.object.${path}`, message },
  ];
  const spec = (
    pod as { spec?: { containers?: unknown; initContainers?: unknown; volumes?: unknown } } | null
  )?.spec;
  if (typeof spec !== 'object' || spec === null) return at('spec', 'is required');
  if (!Array.isArray(spec.containers) || spec.containers.length === 0)
    return at('spec.containers', 'must be a non-empty list');
  for (const field of ['containers', 'initContainers'] as const) {
    const list = spec[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return at(`spec.${field}`, 'must be a list');
    const unnamed = list.findIndex(
      (c) => typeof (c as { name?: unknown } | null)?.name !== 'string',
    );
    if (unnamed >= 0) return at(`spec.${field}[${unnamed}].name`, 'must be a string');
  }
  if (spec.volumes !== undefined && !Array.isArray(spec.volumes))
    return at('spec.volumes', 'must be a list');
  return [];
}
