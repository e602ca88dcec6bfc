// The schema check itself: what it refuses (unknown fields at any depth, wrong types, missing fields) and what it lets through.
import { KubernetesSchemas } from './kubernetes-schemas.js';

const deployment = (container: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'app', labels: { 'any.key/is': 'fine' } },
  spec: {
    selector: { matchLabels: { app: 'a' } },
    template: {
      metadata: { labels: { app: 'a' } },
      spec: { containers: [{ name: 'c', image: 'i', ...container }] },
    },
    ...spec,
  },
});
const route = (parentRef: Record<string, unknown>) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'r' },
  spec: {
    parentRefs: [{ name: 'g', ...parentRef }],
    rules: [{ backendRefs: [{ name: 'api', port: 80 }] }],
  },
});

describe('KubernetesSchemas', () => {
  const objects = [deployment({}), route({})];
  const schemas = KubernetesSchemas.load(objects);

  it('accepts valid objects, maps of any keys and int-or-string values', async () => {
    expect(
      await schemas.problems(deployment({ ports: [{ containerPort: 80, name: 'http' }] })),
    ).toEqual([]);
    expect(
      await schemas.problems(
        deployment({}, { strategy: { rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } } }),
      ),
    ).toEqual([]);
    expect(await schemas.problems(route({ port: 80 }))).toEqual([]);
  });

  it('refuses an unknown field at any depth, naming its path', async () => {
    expect(await schemas.problems(deployment({ imagePullPolicyy: 'Always' }))).toEqual([
      'Deployment/app: unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
    ]);
    expect(await schemas.problems(route({ sectionNamee: 'http' }))).toEqual([
      'HTTPRoute/r: unknown field "spec.parentRefs[0].sectionNamee"',
    ]);
  });

  it('refuses wrong types and missing required fields', async () => {
    const [wrongType] = await schemas.problems(deployment({}, { replicas: 'two' }));
    expect(wrongType).toMatch(/^Deployment\/app: .*replicas/);
    const missing = deployment({});
    delete (missing.spec as Record<string, unknown>).selector;
    expect((await schemas.problems(missing)).join()).toMatch(/selector/);
  });
});
