// Unit spec for validateBatch: every resource parsed, errors of all of them reported, duplicates refused.
import { describe, expect, it } from '@jest/globals';
import { validateBatch } from './resource-validator.js';

const service = (name: string, namespace?: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: namespace ? { name, namespace } : { name },
  spec: { selector: { app: name } },
});

const route = (name: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name },
  spec: { parentRefs: [{ kind: 'Service', name: 'reviews' }], rules: [{}] },
});

describe('validateBatch', () => {
  it('returns the parsed resources in input order', () => {
    const result = validateBatch([
      service('reviews'),
      route('reviews'),
      service('reviews', 'other'),
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`)).toEqual(
      ['Service/default/reviews', 'HTTPRoute/default/reviews', 'Service/other/reviews'],
    );
  });

  it('accepts an empty batch', () => {
    expect(validateBatch([])).toEqual({ ok: true, value: [] });
  });

  it('rejects the same resource twice in one batch, naming it', () => {
    const result = validateBatch([
      service('reviews'),
      service('ratings'),
      service('reviews', 'default'),
    ]);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          resource: 'Service/default/reviews',
          path: 'metadata.name',
          message: 'appears twice in this batch',
        },
      ],
    });
  });

  it('reports the errors of every invalid resource, not only the first', () => {
    const result = validateBatch([
      { ...service('a'), apiVersion: 'v2' },
      service('ok'),
      { kind: 'Deployment', metadata: { name: 'b' } },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.resource, e.path])).toEqual([
      ['Service/default/a', 'apiVersion'],
      ['Deployment/default/b', 'kind'],
    ]);
  });

  it('reports duplicates alongside other errors', () => {
    const result = validateBatch([
      route('r'),
      route('r'),
      { ...service('x'), spec: { selector: 'app' } },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.message)).toContain('appears twice in this batch');
    expect(result.errors.map((e) => e.path)).toContain('spec.selector');
  });
});
