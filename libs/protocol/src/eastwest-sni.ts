// The TLS server name (SNI) a caller's proxy sends to another cluster's east-west gateway: it names
// one instance of one exported Service there, and the gateway routes the connection by it without
// terminating TLS (docs/multi-cluster.md#east-west-gateway).
import { DNS_LABEL } from './validation/names.js';
import { SUBJECT_TOKEN } from './subjects.js';

/** The east-west gateway's port unless set (Istio's east-west gateway uses 15443 too). */
export const EASTWEST_GATEWAY_PORT = 15443;

/** The last labels of every east-west server name: nothing else a client sends ends so. */
export const EASTWEST_SNI_SUFFIX = 'eastwest.weft';

/** One instance of one Service in one cluster, as an east-west server name says. */
export interface EastWestTarget {
  readonly instanceId: string;
  readonly service: string;
  readonly namespace: string;
  readonly cluster: string;
}

/** `<instanceId>.<service>.<namespace>.<cluster>.eastwest.weft` */
export function eastWestSni(t: EastWestTarget): string {
  return `${t.instanceId}.${t.service}.${t.namespace}.${t.cluster}.${EASTWEST_SNI_SUFFIX}`;
}

/** The target a server name names, or undefined for any other name. */
export function parseEastWestSni(name: string): EastWestTarget | undefined {
  const parts = name.split('.');
  if (parts.length !== 6 || `${parts[4]}.${parts[5]}` !== EASTWEST_SNI_SUFFIX) return undefined;
  const [instanceId, service, namespace, cluster] = parts;
  if (!SUBJECT_TOKEN.test(instanceId) || instanceId.length > 128) return undefined;
  for (const label of [service, namespace, cluster]) if (!DNS_LABEL.test(label)) return undefined;
  return { instanceId, service, namespace, cluster };
}
