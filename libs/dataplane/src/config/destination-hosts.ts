// The Service a request's host names, as Kubernetes resolves Service names from the caller's
// namespace (the inverse of `serviceHostnames`); any host may also be an ExternalService alias.
// `<name>.<ns>.svc.clusterset.local` names the same Service: over the bus its subject is one in
// every linked cluster (docs/multi-cluster.md).
import { DNS_LABEL, serviceKey } from '@app/protocol';

const CLUSTER_SUFFIXES = ['.svc.cluster.local', '.svc.clusterset.local', '.svc'];

/** `namespace/service` the host names as a Service, or undefined when it is no such name. */
export function serviceNamedBy(host: string, localNamespace: string): string | undefined {
  let name = host;
  for (const suffix of CLUSTER_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    name = name.slice(0, -suffix.length);
    // `name.svc` alone names nothing: the suffix needs a namespace before it.
    if (!name.includes('.')) return undefined;
    break;
  }
  const labels = name.split('.');
  if (labels.length > 2 || !labels.every((l) => DNS_LABEL.test(l))) return undefined;
  const [service, namespace = localNamespace] = labels;
  return serviceKey(namespace, service);
}
