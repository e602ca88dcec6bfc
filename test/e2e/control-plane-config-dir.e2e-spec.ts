// Control plane config folder: loaded at start, re-applied on change, all or nothing, pruned on removal.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { json } from '../support/admin-client.js';
import { Mesh } from '../support/mesh.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { scratchDir } from '../support/scratch-dir.js';

const service = (name: string): string => `
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { selector: { app: ${name} } }
`;

interface Listing {
  revision: number;
  items: { kind: string; metadata: { name: string } }[];
}

describe('control plane: WEFT_CONFIG_DIR', () => {
  let mesh: Mesh;
  let dir: string;

  beforeAll(async () => {
    dir = await scratchDir('weft-config-');
    await writeFile(join(dir, 'services.yaml'), `${service('alpha')}---${service('beta')}`);
    mesh = await Mesh.start();
    await mesh.startControlPlane({ WEFT_CONFIG_DIR: dir });
  });

  afterAll(async () => {
    await mesh.stop();
  });

  const listing = () => json<Listing>(`${mesh.controlPlane().url}/v1/resources`);
  const names = async () =>
    (await listing()).items.map((r) => `${r.kind}/${r.metadata.name}`).sort();

  it('loads the folder at start as one revision', async () => {
    const { revision } = await listing();
    expect(revision).toBe(1);
    expect(await names()).toEqual(['Service/alpha', 'Service/beta']);
  });

  it('makes no revision when a file is rewritten unchanged', async () => {
    await writeFile(join(dir, 'services.yaml'), `${service('alpha')}---${service('beta')}`);
    await waitFor('the folder applied again', () =>
      mesh
        .controlPlane()
        .proc.logs()
        .some((l) => l.includes('config folder applied') && l.includes('"changed":false'))
        ? true
        : undefined,
    );
    expect(await listing()).toMatchObject({ revision: 1 });
    expect(
      (await json<{ items: unknown[] }>(`${mesh.controlPlane().url}/v1/history`)).items,
    ).toHaveLength(1);
  });

  it('re-applies when a file is added', async () => {
    await mesh.applyOk(service('from-api'));
    await writeFile(
      join(dir, 'route.yaml'),
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: alpha-route }
spec:
  parentRefs: [{ kind: Service, name: alpha }]
  rules: [{ backendRefs: [{ name: beta }] }]
`,
    );
    await waitFor('the new route', async () =>
      (await names()).includes('HTTPRoute/alpha-route') ? true : undefined,
    );
    expect(await names()).toEqual([
      'HTTPRoute/alpha-route',
      'Service/alpha',
      'Service/beta',
      'Service/from-api',
    ]);
  });

  it('applies nothing of the folder while any file in it is invalid, and says why in the log', async () => {
    const before = await listing();
    await writeFile(join(dir, 'gamma.yaml'), service('gamma'));
    await writeFile(
      join(dir, 'broken.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata: { name: Not_Valid }\n',
    );
    await waitFor('the rejection in the log', () =>
      mesh
        .controlPlane()
        .proc.logs()
        .some((l) => l.includes('config folder not applied') && l.includes('metadata.name'))
        ? true
        : undefined,
    );
    await sleep(500);
    expect(await listing()).toEqual(before);
    await rm(join(dir, 'broken.yaml'));
    await waitFor('gamma once the folder is valid again', async () =>
      (await names()).includes('Service/gamma') ? true : undefined,
    );
  });

  it('deletes what a removed file declared, but not what the API applied', async () => {
    await rm(join(dir, 'services.yaml'));
    await waitFor('alpha and beta to be pruned', async () =>
      (await names()).includes('Service/alpha') ? undefined : true,
    );
    expect(await names()).toEqual(['HTTPRoute/alpha-route', 'Service/from-api', 'Service/gamma']);
  });
});
