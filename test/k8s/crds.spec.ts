// The weft.dev CRDs: generated from libs/protocol, committed as generated, structural, valid CustomResourceDefinitions.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../docs/doc-files.js';
import { crdFiles, weftCrds, weftKinds } from './crds.js';
import { staleness, UPDATING } from './generated-file.js';
import { KubernetesSchemas } from './kubernetes-schemas.js';

const CRD_DIR = 'k8s/charts/weft/crds';

/** Nodes of a CRD schema that a structural schema forbids: no type, a $ref, a ref-like keyword. */
function nonStructural(schema: unknown, path: string): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const out: string[] = [];
  const untypedAllowed =
    node['x-kubernetes-preserve-unknown-fields'] === true ||
    node['x-kubernetes-int-or-string'] === true;
  if (node.type === undefined && !untypedAllowed) {
    out.push(`${path}: no type`);
  }
  for (const banned of ['$ref', 'definitions', 'oneOf', 'anyOf', 'allOf']) {
    if (banned in node) out.push(`${path}: ${banned}`);
  }
  const props = (node.properties ?? {}) as Record<string, unknown>;
  for (const [name, child] of Object.entries(props))
    out.push(...nonStructural(child, `${path}.${name}`));
  if (node.items !== undefined) out.push(...nonStructural(node.items, `${path}[]`));
  if (typeof node.additionalProperties === 'object') {
    out.push(...nonStructural(node.additionalProperties, `${path}{}`));
  }
  return out;
}

describe('weft.dev CRDs', () => {
  const files = crdFiles();

  it('has one CRD per weft.dev kind of libs/protocol', () => {
    const names = weftCrds().map((c) => (c.spec as { names: { kind: string } }).names.kind);
    expect(names.sort()).toEqual(
      weftKinds()
        .map((k) => k.kind)
        .sort(),
    );
    expect(names).toEqual(expect.arrayContaining(['TrafficPolicy', 'ExternalService']));
  });

  it(`are committed in ${CRD_DIR} as generated, and nothing else is`, () => {
    const problems = [...files].map(([name, text]) => staleness(join(CRD_DIR, name), text));
    const extra = UPDATING
      ? []
      : readdirSync(join(ROOT, CRD_DIR))
          .filter((f) => !files.has(f))
          .map((f) => `${CRD_DIR}/${f} is no weft.dev kind's CRD: remove it`);
    expect([...problems.filter(Boolean), ...extra]).toEqual([]);
  });

  it('are valid CustomResourceDefinitions with structural schemas and no unknown field', async () => {
    const crds = [...files.values()].map((text) => parse(text) as Record<string, unknown>);
    const schemas = KubernetesSchemas.load(crds);
    const problems: string[] = [];
    for (const crd of crds) {
      problems.push(...(await schemas.problems(crd)));
      const versions = (crd.spec as { versions: { schema: { openAPIV3Schema: unknown } }[] })
        .versions;
      for (const v of versions)
        problems.push(...nonStructural(v.schema.openAPIV3Schema, 'openAPIV3Schema'));
    }
    expect(problems).toEqual([]);
  });

  it('carries what Weft checks: required fields, enums, bounds and patterns', () => {
    const policy = weftCrds().find(
      (c) => (c.metadata as { name: string }).name === 'trafficpolicies.weft.dev',
    )!;
    const spec = (
      policy.spec as {
        versions: {
          schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } };
        }[];
      }
    ).versions[0].schema.openAPIV3Schema.properties.spec;
    expect(spec.required).toEqual(['targetRefs']);
    const props = spec.properties as Record<string, Record<string, unknown>>;
    expect(props.transport.enum).toEqual(['http', 'bus']);
    expect(props.targetRefs).toMatchObject({ type: 'array', minItems: 1, maxItems: 16 });
    // A field with a default in the class is not required of the user.
    const outlier = props.outlierDetection as { required?: string[] };
    expect(outlier.required ?? []).not.toContain('consecutive5xx');
  });
});
