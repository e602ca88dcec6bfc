// `GET /v1/identities` on a proxy's admin port: each workload identity's leaf and trust bundle
// (public material only: never the key), to see what the proxy presents and trusts.
import { Controller, Get } from '@nestjs/common';
import { WorkloadIdentities } from './workload-identities.service.js';

export interface ProxyIdentityView {
  readonly spiffeId: string;
  /** null until the CA has signed a leaf (or after one expired). */
  readonly certificate: {
    readonly serial: string;
    readonly notBefore: string;
    readonly notAfter: string;
    /** Fingerprint of the root the leaf chains to. */
    readonly issuer: string;
    readonly chain: readonly string[];
    readonly roots: readonly string[];
  } | null;
}

@Controller('v1')
export class IdentitiesController {
  constructor(private readonly identities: WorkloadIdentities) {}

  @Get('identities')
  list(): { items: ProxyIdentityView[] } {
    const items = this.identities.all.map((identity) => {
      const held = identity.hasCertificate() ? identity.current : undefined;
      return {
        spiffeId: identity.spiffeId,
        certificate: held
          ? {
              serial: held.serial,
              notBefore: held.notBefore.toISOString(),
              notAfter: held.notAfter.toISOString(),
              issuer: held.issuer,
              chain: held.chain,
              roots: held.roots,
            }
          : null,
      };
    });
    return { items };
  }
}
