// What Weft made of one followed cluster object, read from the statuses the admin API serves (RouteStatusService), or the errors it was refused with.
import {
  PolicyConditionType,
  PolicyReason,
  type FieldError,
  type ParentReference,
} from '@app/protocol';
import type { GatewayVerdict } from '../status/gateway-status.js';
import type { RouteStatusService } from '../status/route-status.service.js';
import type { ObjectVerdict } from './cluster-status.js';
import { manifestKey, type ProjectedManifest } from './resource-projection.js';
import type { StatusTarget } from './status-write-back.js';

/**
 * The verdict of `target`, or undefined while its statuses are not computed yet. An HTTPRoute's
 * verdict covers only the parents Weft serves: Services (GAMMA) and Weft's Gateways (`gateways`,
 * `namespace/name`); a parent Gateway of another class is another controller's to report on.
 * A Gateway's verdict is its entry in `gatewayVerdicts` (those in force, by resource key).
 */
export function verdictOf(
  target: StatusTarget & { readonly manifest: ProjectedManifest },
  invalid: ReadonlyMap<string, readonly FieldError[]>,
  statuses: RouteStatusService,
  gateways: ReadonlySet<string>,
  gatewayVerdicts: ReadonlyMap<string, GatewayVerdict>,
): ObjectVerdict | undefined {
  const key = manifestKey(target.manifest);
  const errors = invalid.get(key);
  if (errors) return { invalid: errors };
  const namespace = target.manifest.metadata.namespace;
  switch (target.kind.kind) {
    case 'HTTPRoute': {
      const status = statuses.statusOf(key);
      if (!status) return undefined;
      const ours = (ref: ParentReference) =>
        (ref.kind ?? 'Gateway') === 'Service' ||
        gateways.has(`${ref.namespace ?? namespace}/${ref.name}`);
      return {
        refs: status.parents
          .filter((p) => ours(p.parentRef))
          .map((p) => ({ ref: p.parentRef, conditions: p.conditions })),
      };
    }
    case 'Gateway': {
      const gateway = gatewayVerdicts.get(key);
      return gateway && { gateway };
    }
    case 'TrafficPolicy': {
      const status = statuses.policyStatusOf(key);
      return (
        status && {
          refs: status.ancestors.map((a) => ({ ref: a.ancestorRef, conditions: a.conditions })),
        }
      );
    }
    case 'PeerAuthentication': {
      const status = statuses.peerAuthenticationStatusOf(key);
      return status && { conditions: status.conditions };
    }
    case 'AuthorizationPolicy': {
      const status = statuses.authorizationStatusOf(key);
      return status && { conditions: status.conditions };
    }
    default:
      // ExternalService: nothing to resolve; valid means in force.
      return {
        conditions: [
          {
            type: PolicyConditionType.Accepted,
            status: 'True',
            reason: PolicyReason.Accepted,
            message: 'applied',
          },
        ],
      };
  }
}
