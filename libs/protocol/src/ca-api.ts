// Answer shapes of the control plane's CA admin API (`GET /v1/ca`, `POST /v1/ca/rotate`), shared with the CLI.

/** One root of the trust bundle. */
export interface CaRoot {
  readonly fingerprint: string;
  readonly subject: string;
  /** ISO times. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** New leaves chain to this root. */
  readonly signer: boolean;
}

/** Where one live proxy stands: its bundle and its leaves against the CA's. */
export interface CaProxyTrust {
  readonly id: string;
  readonly holdsBundle: boolean;
  readonly renewed: boolean;
}

export interface CaStatus {
  /** False when the control plane has no CA (no encryption key file, no operator CA). */
  readonly enabled: boolean;
  readonly source: 'generated' | 'provided' | null;
  readonly trustDomain: string;
  /** `WEFT_CERT_TTL`. */
  readonly certTtl: string;
  readonly phase: 'steady' | 'distributing' | 'signing' | null;
  /** ISO time the running rotation started; null when steady. */
  readonly rotationStartedAt: string | null;
  readonly roots: readonly CaRoot[];
  readonly proxies: readonly CaProxyTrust[];
  /** Live proxies the rotation waits for in its current phase (empty when steady). */
  readonly waitingFor: readonly string[];
}
