// Validates Kubernetes objects against the published schemas (kubernetes-models, Gateway API, Prometheus Operator), unknown fields refused.
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../docs/doc-files.js';

/** The model module of an apiVersion's group, by package: kubernetes-models lays them out alike. */
const PACKAGES: Record<string, string> = {
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown };
}

interface Model {
  validate(): void;
}

/** `kubernetes-models/apps/v1/Deployment`, `@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute`, … */
function modulePath(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const pkg = PACKAGES[group] ?? 'kubernetes-models';
  return `${pkg}/${apiVersion}/${kind}`;
}

function describe(obj: KubeObject): string {
  const name = obj.metadata?.name;
  return `${String(obj.kind)}/${typeof name === 'string' ? name : '<no name>'}`;
}

/**
 * Checks objects the way an API server with strict field validation would (`kubectl apply
 * --validate=strict`): the schema (types, required fields, enums, formats) by the models' own
 * validators, and unknown fields — which those validators let through — by walking each object
 * along the models' TypeScript declarations, generated from the same OpenAPI schemas.
 */
type ModelModule = Record<string, new (data: unknown) => Model>;

export class KubernetesSchemas {
  private readonly modules = new Map<string, Promise<ModelModule>>();
  private lastImport: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly checker: ts.TypeChecker,
    private readonly types: Map<string, ts.Type>,
  ) {}

  /** Loads the declarations of every kind in `objects` (one TypeScript program for all). */
  static load(objects: readonly KubeObject[]): KubernetesSchemas {
    const kinds = [
      ...new Set(objects.map((o) => modulePath(String(o.apiVersion), String(o.kind)))),
    ];
    const source = kinds
      .map(
        (m, i) =>
          `import type { I${m.split('/').pop()} as T${i} } from '${m}';\nexport type K${i} = T${i};`,
      )
      .join('\n');
    const file = join(ROOT, 'test/k8s/__schemas__.ts');
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => (f === file ? source : readFile(f));
    host.fileExists = (
      (exists) => (f: string) =>
        f === file || exists(f)
    )(host.fileExists.bind(host));
    host.getSourceFile = (f, v, onError, create) =>
      f === file ? ts.createSourceFile(f, source, v) : getSourceFile(f, v, onError, create);
    const program = ts.createProgram([file], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    if (problems.length > 0)
      throw new Error(`the model declarations do not load:\n${problems.join('\n')}`);
    const checker = program.getTypeChecker();
    const sf = program.getSourceFile(file)!;
    const types = new Map<string, ts.Type>();
    for (const statement of sf.statements) {
      if (ts.isTypeAliasDeclaration(statement)) {
        const index = Number(statement.name.text.slice(1));
        types.set(kinds[index], checker.getTypeAtLocation(statement));
      }
    }
    return new KubernetesSchemas(checker, types);
  }

  /** Every problem of `obj` (empty when valid): `Kind/name: message`. */
  async problems(obj: KubeObject): Promise<string[]> {
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      return [`${describe(obj)}: apiVersion and kind must be strings`];
    }
    const path = modulePath(obj.apiVersion, obj.kind);
    const type = this.types.get(path);
    if (type === undefined) return [`${describe(obj)}: not loaded (${path})`];
    const out: string[] = [];
    const module = await this.model(path);
    try {
      new module[obj.kind](obj).validate();
    } catch (err) {
      out.push(`${describe(obj)}: ${(err as Error).message}`);
    }
    for (const field of this.unknownFields(obj, type, '')) {
      out.push(`${describe(obj)}: unknown field "${field}"`);
    }
    return out;
  }

  /**
   * The model module at `path`, imported one at a time: jest's ESM loader fails two imports in
   * flight that share a dependency ("request for './model.js' is from a module not been linked").
   */
  private model(path: string): Promise<ModelModule> {
    let loaded = this.modules.get(path);
    if (loaded === undefined) {
      loaded = this.lastImport.then(() => import(path) as Promise<ModelModule>);
      this.lastImport = loaded.catch(() => undefined);
      this.modules.set(path, loaded);
    }
    return loaded;
  }

  private unknownFields(value: unknown, declared: ts.Type, path: string): string[] {
    if (value === null || typeof value !== 'object') return [];
    const type = this.checker.getNonNullableType(declared);
    if (Array.isArray(value)) {
      const element = this.elementType(type);
      return element
        ? value.flatMap((v, i) => this.unknownFields(v, element, `${path}[${i}]`))
        : [];
    }
    const shape = this.objectShape(type);
    // A type declaring no field at all is free-form in the schema (JSONSchemaPropsOrArray, JSON).
    if (shape === undefined || this.freeForm(shape)) return [];
    const out: string[] = [];
    for (const [key, child] of Object.entries(value)) {
      const at = path === '' ? key : `${path}.${key}`;
      const property = shape.getProperty(key);
      if (property !== undefined) {
        out.push(...this.unknownFields(child, this.checker.getTypeOfSymbol(property), at));
        continue;
      }
      const index = this.checker.getIndexInfoOfType(shape, ts.IndexKind.String);
      if (index !== undefined) out.push(...this.unknownFields(child, index.type, at));
      else out.push(at);
    }
    return out;
  }

  private freeForm(shape: ts.Type): boolean {
    return (
      this.checker.getPropertiesOfType(shape).length === 0 &&
      this.checker.getIndexInfosOfType(shape).length === 0
    );
  }

  private elementType(type: ts.Type): ts.Type | undefined {
    const candidates = type.isUnion() ? type.types : [type];
    for (const t of candidates) {
      if (this.checker.isArrayType(t))
        return this.checker.getTypeArguments(t as ts.TypeReference)[0];
    }
    return undefined;
  }

  /** The object member of a type (unions like `IntOrString` hold at most one); undefined for `any`-like types. */
  private objectShape(type: ts.Type): ts.Type | undefined {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
    const candidates = type.isUnion() ? type.types : [type];
    return candidates.find(
      (t) => (t.flags & ts.TypeFlags.Object) !== 0 && !this.checker.isArrayType(t),
    );
  }
}
