// The env that names a Weft container's pod, namespace and node in OTEL_RESOURCE_ATTRIBUTES, from the downward API.

const field = (name: string, fieldPath: string) => ({
  name,
  valueFrom: { fieldRef: { fieldPath } },
});

/**
 * Every Weft container carries these (the chart's `weft.commonEnv` renders the same list, which
 * test/k8s checks): spans, `target_info` and every log line then name the pod, its namespace and
 * node. Kubernetes expands `$(NAME)` only from variables listed earlier, so the fields come first.
 */
export const RESOURCE_ATTRIBUTE_ENV = [
  field('K8S_POD_NAME', 'metadata.name'),
  field('K8S_NAMESPACE_NAME', 'metadata.namespace'),
  field('K8S_NODE_NAME', 'spec.nodeName'),
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    value:
      'k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME)',
  },
] as const;
