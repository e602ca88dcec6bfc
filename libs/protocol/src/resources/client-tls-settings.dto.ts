// TLS origination towards an upstream outside the mesh, with the names of Istio's ClientTLSSettings
// (SIMPLE: verify the server; MUTUAL: present a client certificate too); files are on the proxy's host.
import {
  IsBoolean,
  IsIn,
  IsOptional,
  Matches,
  ValidateBy,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';
import { DNS_NAME } from '../validation/names.js';

export const CLIENT_TLS_MODES = ['SIMPLE', 'MUTUAL'] as const;
export type ClientTLSMode = (typeof CLIENT_TLS_MODES)[number];

const ABSOLUTE_PATH = /^\//;

export class ClientTLSSettings {
  @IsIn(CLIENT_TLS_MODES, { message: 'mode must be SIMPLE or MUTUAL' })
  mode!: ClientTLSMode;

  /** Server name offered in SNI and checked against the certificate (default: the first of `hosts`, else the endpoint's address). */
  @IsOptional()
  @Matches(DNS_NAME, { message: 'sni must be a lower-case DNS name' })
  sni?: string;

  /** PEM file of the CAs the server's certificate must chain to; default: Node's trusted roots. */
  @IsOptional()
  @Matches(ABSOLUTE_PATH, { message: 'caCertificates must be an absolute file path' })
  caCertificates?: string;

  /** PEM file of the client certificate (chain) presented in MUTUAL mode. */
  @ValidateIf((t: ClientTLSSettings) => t.mode === 'MUTUAL' || t.clientCertificate !== undefined)
  @MutualOnly()
  @Matches(ABSOLUTE_PATH, { message: 'clientCertificate must be an absolute file path' })
  clientCertificate?: string;

  /** PEM file of the client certificate's private key (MUTUAL mode). */
  @ValidateIf((t: ClientTLSSettings) => t.mode === 'MUTUAL' || t.privateKey !== undefined)
  @MutualOnly()
  @Matches(ABSOLUTE_PATH, { message: 'privateKey must be an absolute file path' })
  privateKey?: string;

  /** Accept any server certificate (testing only: the connection is encrypted, not authenticated). */
  @IsOptional()
  @IsBoolean()
  insecureSkipVerify?: boolean;
}

/** A client certificate in SIMPLE mode would be silently unused: refuse it instead. */
function MutualOnly(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'mutualOnly',
      validator: {
        validate: (_value: unknown, args) => (args?.object as ClientTLSSettings).mode === 'MUTUAL',
        defaultMessage: () => '$property is only used with mode MUTUAL',
      },
    },
    options,
  );
}
