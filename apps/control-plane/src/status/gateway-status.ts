// Gateway API status of every Gateway in force: Accepted and Programmed, and per listener its supported kinds, the routes attached to it and its conditions.
import {
  attachRoute,
  keyOf,
  type ConditionSummary,
  type Gateway,
  type HTTPRoute,
  type Listener,
  type Resource,
} from '@app/protocol';

/** Gateway API `RouteGroupKind`: the only route kind a Weft listener takes. */
export const HTTPROUTE_KIND = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' } as const;

export interface ListenerVerdict {
  readonly name: string;
  readonly supportedKinds: readonly (typeof HTTPROUTE_KIND)[];
  /** Routes with `Accepted=True` for a parentRef that selects this listener. */
  readonly attachedRoutes: number;
  readonly conditions: readonly ConditionSummary[];
}

export interface GatewayVerdict {
  readonly conditions: readonly ConditionSummary[];
  readonly listeners: readonly ListenerVerdict[];
}

/**
 * The status of every Gateway in `resources` (those in force: the apply path validated them), by
 * KV key. A Gateway in force is accepted and programmed: it is in the config every edge router
 * serving it (`WEFT_GATEWAY`) loads. Its listeners are consistent (the apply path refuses
 * conflicting ones), take HTTPRoutes only, and count the routes attached to them as the routes'
 * own `Accepted` condition does (`attachRoute`: sectionName, port, allowed namespaces, hostnames).
 * Weft does not know the Gateway's addresses (the Service in front of the edge routers has them),
 * so it reports none.
 */
export function evaluateGateways(resources: readonly Resource[]): Map<string, GatewayVerdict> {
  const gateways = resources.filter((r): r is Gateway => r.kind === 'Gateway');
  const routes = resources.filter((r): r is HTTPRoute => r.kind === 'HTTPRoute');
  const verdicts = new Map<string, GatewayVerdict>();
  for (const gateway of gateways) {
    const attached = attachedRoutes(gateway, routes);
    verdicts.set(keyOf(gateway), {
      conditions: [
        condition('Accepted', 'True', 'Accepted', 'accepted by weft.dev/control-plane'),
        condition(
          'Programmed',
          'True',
          'Programmed',
          'in the config the edge routers serving this Gateway load',
        ),
      ],
      listeners: gateway.spec.listeners.map((listener) => ({
        name: listener.name,
        supportedKinds: [HTTPROUTE_KIND],
        attachedRoutes: attached.get(listener.name)?.size ?? 0,
        conditions: listenerConditions(listener),
      })),
    });
  }
  return verdicts;
}

/** Listener name → the keys of the routes attached to it (a route counts once per listener). */
function attachedRoutes(gateway: Gateway, routes: readonly HTTPRoute[]): Map<string, Set<string>> {
  const { namespace, name } = gateway.metadata;
  const byListener = new Map<string, Set<string>>();
  for (const route of routes) {
    for (const parent of route.spec.parentRefs) {
      if ((parent.kind ?? 'Gateway') !== 'Gateway' || parent.name !== name) continue;
      if ((parent.namespace ?? route.metadata.namespace) !== namespace) continue;
      const attachment = attachRoute(route, parent, gateway);
      if (!attachment.ok) continue;
      for (const { listener } of attachment.listeners) {
        const keys = byListener.get(listener.name) ?? new Set<string>();
        keys.add(keyOf(route));
        byListener.set(listener.name, keys);
      }
    }
  }
  return byListener;
}

function listenerConditions(listener: Listener): ConditionSummary[] {
  const refs =
    listener.protocol === 'HTTPS'
      ? 'takes HTTPRoutes; the edge routers load its certificateRefs from their mounted Secrets'
      : 'takes HTTPRoutes';
  return [
    condition('Accepted', 'True', 'Accepted', `${listener.protocol} on port ${listener.port}`),
    condition('Programmed', 'True', 'Programmed', 'in the config the edge routers load'),
    condition('ResolvedRefs', 'True', 'ResolvedRefs', refs),
    condition(
      'Conflicted',
      'False',
      'NoConflicts',
      'no other listener shares its port and hostname',
    ),
  ];
}

function condition(
  type: string,
  status: ConditionSummary['status'],
  reason: string,
  message: string,
): ConditionSummary {
  return { type, status, reason, message };
}
