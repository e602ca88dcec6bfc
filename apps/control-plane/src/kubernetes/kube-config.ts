// The Kubernetes API client configuration for WEFT_KUBERNETES: the pod's service account, or a kubeconfig file.
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(mode: 'in-cluster' | 'kubeconfig'): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (mode === 'in-cluster') kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}
