// A cluster's Services as Weft's Service resources: the fields Weft reads (selector, ports, weft.dev annotations), nothing of the cluster's bookkeeping.
import type { V1Service } from '@kubernetes/client-node';
import { labelsAndAnnotations, SYSTEM_NAMESPACES } from './resource-projection.js';

export interface WeftService {
  readonly apiVersion: 'v1';
  readonly kind: 'Service';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec: {
    readonly selector: Record<string, string>;
    readonly ports?: Record<string, unknown>[];
  };
}

/**
 * The Weft Service of a cluster Service, or undefined for one Weft has no use for: without a
 * selector (its endpoints are not instances of a workload), ExternalName, or in a system namespace.
 */
export function weftServiceOf(service: V1Service): WeftService | undefined {
  const { name, namespace } = service.metadata ?? {};
  const selector = service.spec?.selector;
  if (!name || !namespace || SYSTEM_NAMESPACES.has(namespace)) return undefined;
  if (service.spec?.type === 'ExternalName') return undefined;
  if (selector === undefined || Object.keys(selector).length === 0) return undefined;
  const ports = service.spec?.ports?.map((p) =>
    definedOnly({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol,
      appProtocol: p.appProtocol,
    }),
  );
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, ...labelsAndAnnotations(service) },
    spec: { selector: { ...selector }, ...(ports?.length ? { ports } : {}) },
  };
}

function definedOnly(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
