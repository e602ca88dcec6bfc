// The webhook protocol: a review of a pod gets its uid back with the JSONPatch, a refusal with its reasons, a non-review an error naming the field.
import { formatErrors } from '@app/protocol';
import { answerReview } from './admission-review.js';
import type { InjectionSettings } from './sidecar-injection.js';

const SETTINGS: InjectionSettings = {
  image: 'weft:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  natsUrl: 'nats://nats:4222',
  subjectPrefix: 'weft',
  trustDomain: 'cluster.local',
  logLevel: 'info',
};

function review(object: unknown, request: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      object,
      ...request,
    },
  };
}

const appPod = (labels: Record<string, string>) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'app', image: 'api:1', ports: [{ containerPort: 8080 }] }] },
});

describe('answerReview', () => {
  it('tells who its proxy is for a pod injected for real, and nothing for a dry run or a pod left alone', () => {
    const injected: string[] = [];
    const onInjected = (
      namespace: string,
      o: { service: string; serviceAccount: string; credsSecret: string },
    ) => injected.push(`${namespace}/${o.service} sa ${o.serviceAccount} secret ${o.credsSecret}`);
    const pod = {
      ...appPod({ app: 'api' }),
      spec: { ...appPod({}).spec, serviceAccountName: 'api-sa' },
    };
    expect(answerReview(review(pod), SETTINGS, onInjected).ok).toBe(true);
    expect(injected).toEqual(['shop/api sa api-sa secret weft-proxy-api-sa']);

    // `kubectl apply --dry-run=server`: the same patch, no side effect.
    const dry = answerReview(review(pod, { dryRun: true }), SETTINGS, onInjected);
    if (!dry.ok) throw new Error(formatErrors(dry.errors));
    expect(dry.value.response.patchType).toBe('JSONPatch');
    const optedOut = appPod({ app: 'api', 'weft.dev/inject': 'disabled' });
    expect(answerReview(review(optedOut), SETTINGS, onInjected).ok).toBe(true);
    const refused = answerReview(review(appPod({})), SETTINGS, onInjected);
    expect(refused.ok && refused.value.response.allowed).toBe(false);
    expect(injected).toHaveLength(1);
  });

  it('answers with the request uid and the JSONPatch in base64', () => {
    const answer = answerReview(review(appPod({ app: 'api' })), SETTINGS);
    if (!answer.ok) throw new Error(formatErrors(answer.errors));
    const { response } = answer.value;
    expect(answer.value).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
    });
    expect(response).toMatchObject({
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: true,
      patchType: 'JSONPatch',
    });
    const ops = JSON.parse(Buffer.from(response.patch!, 'base64').toString('utf8')) as {
      path: string;
    }[];
    expect(ops.map((o) => o.path)).toEqual([
      '/metadata/annotations',
      '/metadata/labels/weft.dev~1proxy',
      '/spec/initContainers',
      '/spec/volumes',
    ]);
  });

  it('allows an opted-out pod unchanged, and refuses one it cannot inject with the reasons', () => {
    const optedOut = answerReview(
      review(appPod({ app: 'api', 'weft.dev/inject': 'disabled' })),
      SETTINGS,
    );
    expect(optedOut.ok && optedOut.value.response).toEqual({
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: true,
    });
    const refused = answerReview(review(appPod({})), SETTINGS);
    expect(refused.ok && refused.value.response).toEqual({
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: false,
      status: {
        code: 400,
        message:
          'weft injection: Pod/shop/<unnamed>: metadata.labels[app]: the pod names no Service: ' +
          'set the label app (or app.kubernetes.io/name) or the annotation weft.dev/service',
      },
    });
  });

  it.each([
    [null, '(root): must be a JSON object'],
    [
      { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' },
      'apiVersion: must be admission.k8s.io/v1',
    ],
    [review(appPod({ app: 'api' }), { uid: '' }), 'request.uid: must be a string'],
    [
      review(appPod({ app: 'api' }), {
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      }),
      'request.kind: must be the core Pod kind',
    ],
    [
      review(appPod({ app: 'api' }), { namespace: undefined }),
      "request.namespace: must be the pod's namespace",
    ],
    [
      review({ spec: { containers: [] } }),
      'request.object.spec.containers: must be a non-empty list',
    ],
    [
      review({ spec: { containers: [{ image: 'x' }] } }),
      'request.object.spec.containers[0].name: must be a string',
    ],
  ])('refuses malformed review %#, naming the field', (body, message) => {
    const answer = answerReview(body, SETTINGS);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(formatErrors(answer.errors)).toContain(`AdmissionReview: ${message}`);
  });
});
