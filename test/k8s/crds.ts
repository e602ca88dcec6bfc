// CustomResourceDefinitions for every weft.dev kind, generated from the libs/protocol classes (class-validator-jsonschema).
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { stringify } from 'yaml';
import * as protocol from '@app/protocol';

type Schema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  $ref?: string;
  additionalProperties?: Schema | boolean;
};
type Class = new () => object;

export const CRD_GROUP = 'weft.dev';
const REF = '#/definitions/';
/** The HTTP duration strings Weft reads (`10s`, `500ms`), as the custom validators check them. */
const DURATION: Schema = { type: 'string' };
/**
 * Schemas for properties whose checks are Weft's own decorators, by decorator name: what the API
 * server can check of them (cross-field rules stay with Weft's apply path).
 */
const CUSTOM: Record<string, Schema> = {
  isLabelMap: { type: 'object', additionalProperties: { type: 'string' } },
  isLocalityWeights: { type: 'object', additionalProperties: { type: 'integer' } },
  durationWithin: DURATION,
  // A field the protocol refuses (`@Equals(undefined)`, e.g. portLevelMtls) must reach the control
  // plane to be refused there, not be pruned by the API server without a word.
  equals: { 'x-kubernetes-preserve-unknown-fields': true },
};

/**
 * Array items whose type class-validator cannot say, by `Class.property`: Istio's AuthorizationPolicy
 * ports are strings, and Weft takes YAML integers too.
 */
const ITEMS: Record<string, Schema> = {
  'AuthorizationOperation.ports': { 'x-kubernetes-int-or-string': true },
  'AuthorizationOperation.notPorts': { 'x-kubernetes-int-or-string': true },
};

/** The weft.dev kinds among the resource kinds, with their classes. */
export function weftKinds(): { kind: string; cls: Class }[] {
  const classes = protocol as unknown as Record<string, Class>;
  return protocol.RESOURCE_KINDS.map((kind) => ({ kind, cls: classes[kind] })).filter(({ cls }) =>
    getMetadataStorage()
      .getTargetValidationMetadatas(cls, '', true, false)
      .some(
        (m) => m.propertyName === 'apiVersion' && m.constraints?.[0] === protocol.WEFT_API_VERSION,
      ),
  );
}

/** `TrafficPolicy` → `trafficpolicies`, `ExternalService` → `externalservices`. */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  return lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
}

/** One CRD per weft.dev kind: spec from its class (required = no default, not optional), status open. */
export function weftCrds(): Record<string, unknown>[] {
  const schemas = validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: REF,
  }) as Record<string, Schema>;
  return weftKinds().map(({ kind, cls }) => {
    const specClass = typeOf(cls, 'spec');
    const plural = pluralOf(kind);
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${plural}.${CRD_GROUP}`,
        labels: { 'app.kubernetes.io/name': 'weft' },
      },
      spec: {
        group: CRD_GROUP,
        scope: 'Namespaced',
        names: {
          kind,
          listKind: `${kind}List`,
          plural,
          singular: kind.toLowerCase(),
          categories: ['weft'],
        },
        versions: [
          {
            name: protocol.WEFT_API_VERSION.split('/')[1],
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                required: ['spec'],
                properties: {
                  apiVersion: { type: 'string' },
                  kind: { type: 'string' },
                  metadata: { type: 'object' },
                  spec: classSchema(specClass, schemas, [kind, 'spec']),
                  status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        ],
      },
    };
  });
}

/** The CRDs as the committed files hold them: `<file name>` → YAML. */
export function crdFiles(): Map<string, string> {
  const header =
    '# Generated from libs/protocol by test/k8s/crds.ts (npm run k8s:generate); do not edit.\n';
  return new Map(
    weftCrds().map((crd) => [
      `${(crd.metadata as { name: string }).name}.yaml`,
      header + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false }),
    ]),
  );
}

function typeOf(cls: Class, property: string): Class {
  const meta = defaultMetadataStorage.findTypeMetadata(cls, property);
  if (!meta) throw new Error(`${cls.name}.${property} has no @Type: cannot follow it`);
  return meta.typeFunction() as Class;
}

/** The class's schema with every `$ref` inlined (CRDs allow none) and its required list trimmed. */
function classSchema(cls: Class, schemas: Record<string, Schema>, path: string[]): Schema {
  // A class with no field at all (ServiceExport's spec) has no schema of its own: an empty object.
  const empty =
    getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false).length === 0;
  const source = schemas[cls.name] ?? (empty ? { properties: {} } : undefined);
  if (!source) throw new Error(`${path.join('.')}: no schema for ${cls.name}`);
  const defaults = new cls() as Record<string, unknown>;
  const properties: Record<string, Schema> = {};
  for (const [name, prop] of byName(Object.entries(source.properties ?? {}))) {
    properties[name] = ordered(resolve(prop, cls, name, schemas, [...path, name]));
  }
  // Required of the user: what the class requires and does not default (an empty list that
  // must not be empty is no default).
  const required = [...(source.required ?? [])].sort().filter((name) => {
    const fallback = defaults[name];
    const minItems = Number(properties[name]?.minItems ?? 0);
    return fallback === undefined || (Array.isArray(fallback) && fallback.length < minItems);
  });
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
}

/**
 * The node with `type` first and the other keys by name. class-validator's metadata order (which
 * decorator of a property comes first) differs between runs, and the committed files must not.
 */
function ordered(schema: Schema): Schema {
  const { type, ...rest } = schema;
  return Object.fromEntries([
    ...(type === undefined ? [] : [['type', type]]),
    ...byName(Object.entries(rest)),
  ]) as Schema;
}

function byName<T>(entries: [string, T][]): [string, T][] {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function resolve(
  prop: Schema,
  owner: Class,
  name: string,
  schemas: Record<string, Schema>,
  path: string[],
): Schema {
  // A custom validator's schema wins over the reflected type (a label map reflects as `Object`).
  const custom = customSchema(owner, name);
  if (prop.$ref !== undefined) {
    if (custom !== undefined) return custom;
    return classSchema(typeOf(owner, name), schemas, path);
  }
  if (prop.type === 'array' && prop.items?.$ref !== undefined) {
    return { ...prop, items: classSchema(typeOf(owner, name), schemas, [...path, '[]']) };
  }
  if (prop.type === 'array' && prop.items !== undefined)
    return { ...prop, items: ordered(ITEMS[`${owner.name}.${name}`] ?? prop.items) };
  if (prop.type !== undefined) return prop;
  if (custom === undefined) {
    throw new Error(
      `${path.join('.')}: no schema type (${owner.name}.${name}); add its decorator to CUSTOM in test/k8s/crds.ts`,
    );
  }
  return { ...prop, ...custom };
}

function customSchema(owner: Class, name: string): Schema | undefined {
  return getMetadataStorage()
    .getTargetValidationMetadatas(owner, '', true, false)
    .filter((m) => m.propertyName === name)
    .map((m) => CUSTOM[m.name ?? ''])
    .find((s) => s !== undefined);
}
