// The CA as every replica holds it in memory: the trust bundle, and the issuer that signs leaves.
import { readFile } from 'node:fs/promises';
import {
  BasicConstraintsExtension,
  X509Certificate,
  chainRoot,
} from '@app/protocol/identity/pki.js';
import { certificateFingerprint, pemCertificates } from '@app/protocol';
import type { CaState, RotationPhase } from './ca-state.dto.js';
import { issueLeaf, type Issuer } from './leaf-issuer.js';
import { open } from './sealed-key.js';
import { importSigningKey } from './signing-key.js';

export interface TrustedRoot {
  readonly pem: string;
  readonly cert: X509Certificate;
  readonly fingerprint: string;
}

export interface Authority {
  /** `generated`: roots made by a leader, kept in the CA bucket; `provided`: the operator's files. */
  readonly source: 'generated' | 'provided';
  /** The trust bundle proxies verify peers against, oldest first. */
  readonly roots: readonly TrustedRoot[];
  readonly issuer: Issuer;
  /** What follows a leaf in its chain: the operator's intermediates (never the root). */
  readonly intermediates: readonly string[];
  /** Fingerprint of the root new leaves chain to. */
  readonly signer: string;
  readonly phase: RotationPhase;
  readonly rotationStartedAt?: number;
}

export function trustedRoot(pem: string): TrustedRoot {
  return { pem, cert: new X509Certificate(pem), fingerprint: certificateFingerprint(pem) };
}

/**
 * Opens a stored state with the operator's key. Every root's key is opened (not only the
 * signer's), so a wrong key file fails at start, not at the next rotation.
 */
export async function openStoredAuthority(state: CaState, key: Buffer): Promise<Authority> {
  const roots = state.roots.map((r) => trustedRoot(r.cert));
  const keys = await Promise.all(
    state.roots.map((r, i) =>
      importSigningKey(
        open(r.key, key, roots[i].fingerprint),
        `CA bucket root ${roots[i].fingerprint}`,
      ),
    ),
  );
  const at = roots.findIndex((r) => r.fingerprint === state.signer);
  if (at < 0)
    throw new Error(`the CA bucket names signer ${state.signer}, which is not one of its roots`);
  return {
    source: 'generated',
    roots,
    issuer: { cert: roots[at].cert, signing: keys[at] },
    intermediates: [],
    signer: state.signer,
    phase: state.phase,
    rotationStartedAt: state.rotationStartedAt,
  };
}

/**
 * The operator's CA from WEFT_CA_CERT / WEFT_CA_KEY / WEFT_CA_CHAIN: a CA certificate, its key,
 * and the certificates above it up to a self-signed root (the trust bundle). Throws naming the
 * file and the reason when they do not fit together.
 */
export async function loadProvidedAuthority(
  certFile: string,
  keyFile: string,
  chainFile: string | undefined,
): Promise<Authority> {
  const [certText, keyText, chainText] = await Promise.all([
    readFile(certFile, 'utf8'),
    readFile(keyFile, 'utf8'),
    chainFile === undefined ? Promise.resolve('') : readFile(chainFile, 'utf8'),
  ]);
  const [certPem] = pemCertificates(certText);
  if (certPem === undefined) throw new Error(`WEFT_CA_CERT ${certFile} holds no PEM certificate`);
  const cert = new X509Certificate(certPem);
  if (!cert.getExtension(BasicConstraintsExtension)?.ca) {
    throw new Error(`WEFT_CA_CERT ${certFile} is not a CA certificate (basicConstraints CA:TRUE)`);
  }
  const signing = await importSigningKey(keyText, `WEFT_CA_KEY ${keyFile}`);
  // A key that is not the certificate's would sign leaves nobody can verify: refuse it now.
  const probe = await issueLeaf(
    { cert, signing },
    cert.publicKey,
    'spiffe://probe/ns/ca/sa/ca',
    60_000,
  );
  if (!(await probe.verify({ publicKey: cert.publicKey, signatureOnly: true }))) {
    throw new Error(`WEFT_CA_KEY ${keyFile} is not the private key of WEFT_CA_CERT ${certFile}`);
  }
  const above = pemCertificates(chainText);
  const selfSigned = await cert.isSelfSigned();
  const rootPem = selfSigned ? certPem : above[above.length - 1];
  if (rootPem === undefined || !(await new X509Certificate(rootPem).isSelfSigned())) {
    throw new Error(
      `WEFT_CA_CHAIN ${chainFile ?? '(unset)'} must end with the self-signed root above WEFT_CA_CERT`,
    );
  }
  const root = trustedRoot(rootPem);
  const intermediates = selfSigned ? [] : [certPem, ...above.slice(0, -1)];
  const top = (intermediates.length > 0 ? intermediates : [certPem]).map(
    (p) => new X509Certificate(p),
  );
  if (!selfSigned && !(await chainRoot(top, [root.cert]))) {
    throw new Error(`WEFT_CA_CHAIN ${chainFile}: its root did not sign the certificates below it`);
  }
  return {
    source: 'provided',
    roots: [root],
    issuer: { cert, signing },
    intermediates,
    signer: root.fingerprint,
    phase: 'steady',
  };
}
