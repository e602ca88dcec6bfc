// The mesh's outbound traffic mode (MeshConfig `outboundTrafficPolicy`), taken from each policy
// commit so that a request reads one field.
import { outboundTrafficMode } from '@app/protocol';
import type { PolicyHolder } from '../policy/mesh-policies.js';

export class OutboundTraffic {
  /** REGISTRY_ONLY: requests for addresses no Service covers are refused, not passed through. */
  registryOnly = false;

  follow(policies: PolicyHolder): this {
    policies.watch((p) => {
      this.registryOnly = outboundTrafficMode(p.ofKind('MeshConfig')) === 'REGISTRY_ONLY';
    });
    return this;
  }
}
