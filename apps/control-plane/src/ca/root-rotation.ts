// The root rotation as a state machine over the CA state and the proxies' trust reports: add the new
// root → every proxy holds both → sign with the new → every leaf chains to it → drop the old.
import { certificateFingerprint, PROTOCOL_VERSION, type ProxyStatus } from '@app/protocol';
import type { CaState, StoredRoot } from './ca-state.dto.js';

export type RotationStep =
  | { readonly kind: 'idle' }
  | { readonly kind: 'wait'; readonly waitingFor: readonly string[] }
  /** Every live proxy holds both roots: the new one signs from now on. */
  | { readonly kind: 'sign-with-new'; readonly state: CaState }
  /** Every live proxy's leaves chain to the new root: the old one leaves the bundle. */
  | { readonly kind: 'drop-old'; readonly state: CaState };

type ProxyView = Pick<ProxyStatus, 'id' | 'stale' | 'trust'>;

const fingerprints = (state: CaState): string[] =>
  state.roots.map((r) => certificateFingerprint(r.cert));

/** A steady state with `next` added to the bundle; the current root keeps signing for now. */
export function startRotation(state: CaState, next: StoredRoot, now: number): CaState {
  if (state.phase !== 'steady') throw new RotationInProgress(state.phase);
  const current = state.roots.find((r) => certificateFingerprint(r.cert) === state.signer);
  if (!current) throw new Error('the CA state names a signer that is not one of its roots');
  return {
    v: PROTOCOL_VERSION,
    roots: [current, next],
    signer: state.signer,
    phase: 'distributing',
    rotationStartedAt: now,
  };
}

export class RotationInProgress extends Error {
  constructor(readonly phase: string) {
    super(`a root rotation is already in progress (phase ${phase}); see \`weft ca status\``);
  }
}

/** Whether a proxy holds every root of the bundle. */
export function holdsBundle(proxy: ProxyView, bundle: readonly string[]): boolean {
  return proxy.trust !== undefined && bundle.every((fp) => proxy.trust?.roots.includes(fp));
}

/** Whether every leaf a proxy holds chains to `signer`. */
export function renewedTo(proxy: ProxyView, signer: string): boolean {
  const issuers = proxy.trust?.issuers ?? [];
  return issuers.length > 0 && issuers.every((fp) => fp === signer);
}

/**
 * What the rotation does next, judged on the live (not stale) proxies only: one that stopped
 * reporting cannot hold the rotation forever, and gets the bundle when it asks for a leaf again.
 */
export function rotationStep(state: CaState, proxies: readonly ProxyView[]): RotationStep {
  if (state.phase === 'steady') return { kind: 'idle' };
  const bundle = fingerprints(state);
  const live = proxies.filter((p) => !p.stale);
  if (state.phase === 'distributing') {
    const waitingFor = live.filter((p) => !holdsBundle(p, bundle)).map((p) => p.id);
    if (waitingFor.length > 0) return { kind: 'wait', waitingFor };
    const signer = bundle[bundle.length - 1];
    return { kind: 'sign-with-new', state: { ...state, signer, phase: 'signing' } };
  }
  const waitingFor = live.filter((p) => !renewedTo(p, state.signer)).map((p) => p.id);
  if (waitingFor.length > 0) return { kind: 'wait', waitingFor };
  const roots = state.roots.filter((_, i) => bundle[i] === state.signer);
  return {
    kind: 'drop-old',
    state: { v: PROTOCOL_VERSION, roots, signer: state.signer, phase: 'steady' },
  };
}
