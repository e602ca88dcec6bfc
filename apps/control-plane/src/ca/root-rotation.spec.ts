import { certificateFingerprint, PROTOCOL_VERSION } from '@app/protocol';
import type { CaState, StoredRoot } from './ca-state.dto.js';
import { generateRoot } from './root-certificate.js';
import { RotationInProgress, rotationStep, startRotation } from './root-rotation.js';

const sealed = { alg: 'A256GCM' as const, iv: 'aa', tag: 'bb', data: 'cc' };

async function root(): Promise<StoredRoot> {
  return { cert: (await generateRoot('cluster.local')).pem, key: sealed };
}

describe('root rotation', () => {
  let oldRoot: StoredRoot;
  let newRoot: StoredRoot;
  let oldFp: string;
  let newFp: string;
  let steady: CaState;

  beforeAll(async () => {
    [oldRoot, newRoot] = [await root(), await root()];
    [oldFp, newFp] = [certificateFingerprint(oldRoot.cert), certificateFingerprint(newRoot.cert)];
    steady = { v: PROTOCOL_VERSION, roots: [oldRoot], signer: oldFp, phase: 'steady' };
  });

  const proxy = (id: string, roots: string[], issuers: string[], stale = false) => ({
    id,
    stale,
    trust: { roots, issuers },
  });

  it('adds the new root to the bundle while the old one keeps signing', () => {
    const next = startRotation(steady, newRoot, 1_000);
    expect(next).toMatchObject({ phase: 'distributing', signer: oldFp, rotationStartedAt: 1_000 });
    expect(next.roots).toEqual([oldRoot, newRoot]);
  });

  it('refuses a second rotation while one runs', () => {
    const running = startRotation(steady, newRoot, 1_000);
    expect(() => startRotation(running, newRoot, 2_000)).toThrow(RotationInProgress);
  });

  it('waits for every live proxy to hold both roots, then signs with the new one', () => {
    const running = startRotation(steady, newRoot, 1_000);
    const step = rotationStep(running, [
      proxy('a', [oldFp, newFp], [oldFp]),
      proxy('b', [oldFp], [oldFp]),
      { id: 'c', stale: false, trust: undefined },
    ]);
    expect(step).toEqual({ kind: 'wait', waitingFor: ['b', 'c'] });
    const ready = rotationStep(running, [
      proxy('a', [oldFp, newFp], [oldFp]),
      proxy('b', [newFp, oldFp], [oldFp]),
      proxy('gone', [oldFp], [oldFp], true),
    ]);
    expect(ready.kind).toBe('sign-with-new');
    if (ready.kind !== 'sign-with-new') return;
    expect(ready.state).toMatchObject({ phase: 'signing', signer: newFp });
    expect(ready.state.roots).toEqual([oldRoot, newRoot]);
  });

  it('drops the old root only once every live proxy renewed to the new one', () => {
    const signing: CaState = {
      ...startRotation(steady, newRoot, 1_000),
      phase: 'signing',
      signer: newFp,
    };
    const both = [oldFp, newFp];
    expect(
      rotationStep(signing, [proxy('a', both, [newFp]), proxy('n', both, [newFp, oldFp])]),
    ).toEqual({
      kind: 'wait',
      waitingFor: ['n'],
    });
    const done = rotationStep(signing, [proxy('a', both, [newFp]), proxy('n', both, [newFp])]);
    expect(done).toEqual({
      kind: 'drop-old',
      state: { v: PROTOCOL_VERSION, roots: [newRoot], signer: newFp, phase: 'steady' },
    });
  });

  it('is idle when steady', () => {
    expect(rotationStep(steady, [proxy('a', [], [])])).toEqual({ kind: 'idle' });
  });
});
