// What a proxy tells the control plane about the trust it holds (in its ACK), so that a root
// rotation moves on only once every proxy is ready for the next step.
import { ArrayMaxSize, IsArray, Matches } from 'class-validator';
import { MAX_CERTIFICATES } from './ca-sign.dto.js';

const FINGERPRINT = /^[0-9a-f]{64}$/;

export class TrustReport {
  /** Fingerprints of the roots every identity of the proxy trusts (their intersection). */
  @IsArray()
  @ArrayMaxSize(MAX_CERTIFICATES)
  @Matches(FINGERPRINT, { each: true, message: 'roots must be SHA-256 fingerprints in hex' })
  roots!: string[];

  /** Fingerprints of the roots the proxy's current leaves chain to (one per identity at most). */
  @IsArray()
  @ArrayMaxSize(64)
  @Matches(FINGERPRINT, { each: true, message: 'issuers must be SHA-256 fingerprints in hex' })
  issuers!: string[];
}
