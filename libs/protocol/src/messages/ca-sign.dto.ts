// The CA protocol: a proxy's CSR on `weft.v1.ca.sign.<ns>.<sa>`, the CA's answer, and the trust
// bundle the CA announces on `weft.v1.ca.bundle` (DESIGN.md "Trust model").
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';

/** A PEM block of one kind, nothing before or after it. */
const pemBlock = (label: string): RegExp =>
  new RegExp(
    `^-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END ${label}-----\\r?\\n?$`,
  );

export const PEM_CSR = pemBlock('CERTIFICATE REQUEST');
export const PEM_CERTIFICATE = pemBlock('CERTIFICATE');

/** Bounds every CA message: a P-256 CSR is ~500 bytes, an RSA-4096 certificate ~2 KiB. */
export const MAX_PEM_LENGTH = 16 * 1024;
/** Certificates in a chain or bundle: a rotation holds two roots; operators' chains are short. */
export const MAX_CERTIFICATES = 8;

/** `{v:1, csr}`: a PKCS#10 request whose only SAN is the requester's SPIFFE ID. */
export class CaSignRequest {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @IsString()
  @MaxLength(MAX_PEM_LENGTH)
  @Matches(PEM_CSR, { message: 'csr must be one PEM CERTIFICATE REQUEST block' })
  csr!: string;
}

/** A list of PEM certificates, bounded in count and size. */
function PemCertificates(): PropertyDecorator {
  return (target, key) => {
    IsArray()(target, key);
    ArrayMinSize(1)(target, key);
    ArrayMaxSize(MAX_CERTIFICATES)(target, key);
    IsString({ each: true })(target, key);
    MaxLength(MAX_PEM_LENGTH, { each: true })(target, key);
    Matches(PEM_CERTIFICATE, {
      each: true,
      message: `${String(key)} must hold PEM CERTIFICATE blocks, one per item`,
    })(target, key);
  };
}

/**
 * `{v:1, chain, roots}` (the leaf first, then any intermediates; the trust bundle), or
 * `{v:1, error}` when the CA refused.
 */
export class CaSignReply {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @ValidateIf((r: CaSignReply) => r.error === undefined)
  @PemCertificates()
  chain?: string[];

  @ValidateIf((r: CaSignReply) => r.error === undefined)
  @PemCertificates()
  roots?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  error?: string;
}

/**
 * The trust bundle every proxy should hold, announced on `weft.v1.ca.bundle` at every change and
 * repeated while a root rotation runs. `signer` is the fingerprint of the root new leaves chain to:
 * a proxy whose leaf chains to another one renews.
 */
export class TrustBundle {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @PemCertificates()
  roots!: string[];

  @Matches(/^[0-9a-f]{64}$/, { message: 'signer must be a SHA-256 fingerprint in hex' })
  signer!: string;
}
