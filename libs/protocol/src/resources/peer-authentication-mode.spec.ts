// Unit spec for effectiveMtlsMode: Istio's inheritance workload → namespace → mesh → STRICT, UNSET
// passing the mode on, the first policy by name deciding a scope.
import { describe, expect, it } from '@jest/globals';
import { peerAuthentication as policy } from './peer-authentication.testing.js';
import { parseResource } from './resource.js';
import { effectiveMtlsMode } from './peer-authentication-mode.js';

const reviews = { namespace: 'shop', labels: { app: 'reviews', version: 'v1' } };

describe('effectiveMtlsMode', () => {
  it('is STRICT for a mesh with no policy', () => {
    expect(effectiveMtlsMode([], reviews)).toBe('STRICT');
  });

  it('takes the most specific scope that sets a mode: workload, then namespace, then mesh', () => {
    const mesh = policy('mesh', 'weft-system', { mtls: { mode: 'DISABLE' } });
    const ns = policy('ns', 'shop', { mtls: { mode: 'PERMISSIVE' } });
    const workload = policy('w', 'shop', {
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'STRICT' },
    });
    expect(effectiveMtlsMode([mesh], reviews)).toBe('DISABLE');
    expect(effectiveMtlsMode([mesh, ns], reviews)).toBe('PERMISSIVE');
    expect(effectiveMtlsMode([mesh, ns, workload], reviews)).toBe('STRICT');
    // The selector must match every label it lists.
    const other = policy('o', 'shop', {
      selector: { matchLabels: { app: 'reviews', version: 'v2' } },
      mtls: { mode: 'DISABLE' },
    });
    expect(effectiveMtlsMode([ns, other], reviews)).toBe('PERMISSIVE');
  });

  it('passes UNSET on to the parent scope', () => {
    const mesh = policy('mesh', 'weft-system', { mtls: { mode: 'PERMISSIVE' } });
    const unset = policy('w', 'shop', { selector: { matchLabels: { app: 'reviews' } } });
    expect(effectiveMtlsMode([mesh, unset], reviews)).toBe('PERMISSIVE');
    expect(effectiveMtlsMode([unset], reviews)).toBe('STRICT');
  });

  it('ignores policies of other namespaces, and root-namespace policies with a selector elsewhere', () => {
    const elsewhere = policy('x', 'other', { mtls: { mode: 'DISABLE' } });
    const rootSelector = policy('r', 'weft-system', {
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'DISABLE' },
    });
    expect(effectiveMtlsMode([elsewhere, rootSelector], reviews)).toBe('STRICT');
  });

  it('lets the first policy by name decide a scope two policies compete for', () => {
    const b = policy('b', 'shop', { mtls: { mode: 'DISABLE' } });
    const a = policy('a', 'shop', { mtls: { mode: 'PERMISSIVE' } });
    expect(effectiveMtlsMode([b, a], reviews)).toBe('PERMISSIVE');
  });

  it('refuses an unknown mode and portLevelMtls with their field paths', () => {
    const bad = parseResource({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'PeerAuthentication',
      metadata: { name: 'bad', namespace: 'shop' },
      spec: { mtls: { mode: 'LOOSE' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } },
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => [e.resource, e.path])).toEqual([
      ['PeerAuthentication/shop/bad', 'spec.mtls.mode'],
      ['PeerAuthentication/shop/bad', 'spec.portLevelMtls'],
    ]);
  });
});
