// A control plane that follows a recorded API server through a kubeconfig file, as one with WEFT_KUBERNETES=kubeconfig follows a cluster.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordedApiServer } from '../k8s/recorded-api-server.js';
import type { ControlPlane, Mesh } from './mesh.js';
import { scratchDir } from './scratch-dir.js';

export async function startFollowingControlPlane(
  mesh: Mesh,
  api: RecordedApiServer,
  env: Record<string, string> = {},
): Promise<ControlPlane> {
  const kubeconfig = join(await scratchDir('weft-kubeconfig-'), 'kubeconfig');
  await writeFile(kubeconfig, api.kubeConfig().exportConfig());
  return mesh.startControlPlane({ WEFT_KUBERNETES: 'kubeconfig', KUBECONFIG: kubeconfig, ...env });
}
