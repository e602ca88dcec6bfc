// `weft get KIND [NAME] [-n NAMESPACE] [-o yaml|json|wide]`: stored resources and live mesh state.
import { Command, Option } from 'commander';
import {
  DEFAULT_OUTBOUND_TRAFFIC_MODE,
  type AuthorizationPolicyWithStatus,
  type EndpointSet,
  type ExternalService,
  type Gateway,
  type HTTPRouteWithStatus,
  type MeshConfig,
  type ProxyStatus,
  type Service,
  type TrafficPolicyWithStatus,
  type PeerAuthenticationWithStatus,
  type ServiceExport,
  type RegisteredWorkload,
  type WorkloadGroup,
  type Locality,
  DEFAULT_CLUSTER,
} from '@app/protocol';
import type { AdminClient } from './admin-client.js';
import { withAdmin } from './cli-context.js';
import { CliError } from './cli-error.js';
import { KIND_WORDS, resolveKind, type KindId, type KindSpec } from './kinds.js';
import {
  err,
  formatTable,
  labelList,
  NONE,
  out,
  shortList,
  toJson,
  toYaml,
  type OutputFormat,
} from './output.js';
import { withProgress } from './progress.js';
import { proxyTable } from './proxy-table.js';
import { statusSummary } from './route-conditions.js';

/** Endpoints listed in a table row before `+ N more...` (as kubectl does). */
const ENDPOINTS_SHOWN = 3;

interface GetOptions {
  readonly namespace?: string;
  readonly output?: Exclude<OutputFormat, 'table'>;
}

/** How one kind is fetched, named and drawn. */
interface KindView<T> {
  fetch(admin: AdminClient): Promise<readonly T[]>;
  name(item: T): string;
  namespace(item: T): string;
  table(items: readonly T[], wide: boolean): string[];
}

const serviceView: KindView<Service> = {
  fetch: async (admin) =>
    (await admin.resources('Service')).items.filter((r): r is Service => r.kind === 'Service'),
  name: (s) => s.metadata.name,
  namespace: (s) => s.metadata.namespace,
  table: (items, wide) =>
    formatTable(
      ['NAME', 'NAMESPACE', 'SELECTOR', ...(wide ? ['PORTS'] : [])],
      items.map((s) => [
        s.metadata.name,
        s.metadata.namespace,
        labelList(s.spec.selector),
        ...(wide ? [s.spec.ports?.map((p) => String(p.port)).join(',') || NONE] : []),
      ]),
    ),
};

/** STATUS sums up the route's conditions; `-o yaml|json` shows them in full under `status`. */
const httpRouteView: KindView<HTTPRouteWithStatus> = {
  fetch: async (admin) =>
    (await admin.resources('HTTPRoute')).items.filter(
      (r): r is HTTPRouteWithStatus => r.kind === 'HTTPRoute',
    ),
  name: (r) => r.metadata.name,
  namespace: (r) => r.metadata.namespace,
  table: (items, wide) =>
    formatTable(
      [
        'NAME',
        'NAMESPACE',
        'PARENTS',
        'BACKENDS',
        'STATUS',
        ...(wide ? ['HOSTNAMES', 'RULES'] : []),
      ],
      items.map((r) => [
        r.metadata.name,
        r.metadata.namespace,
        parents(r),
        backends(r),
        statusSummary(r.status?.parents),
        ...(wide ? [r.spec.hostnames?.join(',') || NONE, String(r.spec.rules.length)] : []),
      ]),
    ),
};

/** STATUS sums up `Accepted` over the target Services; `-o yaml|json` shows each under `status`. */
const trafficPolicyView: KindView<TrafficPolicyWithStatus> = {
  fetch: async (admin) =>
    (await admin.resources('TrafficPolicy')).items.filter(
      (r): r is TrafficPolicyWithStatus => r.kind === 'TrafficPolicy',
    ),
  name: (p) => p.metadata.name,
  namespace: (p) => p.metadata.namespace,
  table: (items) =>
    formatTable(
      ['NAME', 'NAMESPACE', 'TARGETS', 'POLICIES', 'STATUS'],
      items.map((p) => [
        p.metadata.name,
        p.metadata.namespace,
        p.spec.targetRefs.map((t) => t.name).join(','),
        (['loadBalancer', 'outlierDetection', 'faultInjection'] as const)
          .filter((k) => p.spec[k] !== undefined)
          .join(',') || NONE,
        statusSummary(p.status?.ancestors),
      ]),
    ),
};

/** STATUS is `Accepted` when the policy applies to some ready instance; `-o yaml` names them. */
const authorizationPolicyView: KindView<AuthorizationPolicyWithStatus> = {
  fetch: async (admin) =>
    (await admin.resources('AuthorizationPolicy')).items.filter(
      (r): r is AuthorizationPolicyWithStatus => r.kind === 'AuthorizationPolicy',
    ),
  name: (p) => p.metadata.name,
  namespace: (p) => p.metadata.namespace,
  table: (items) =>
    formatTable(
      ['NAME', 'NAMESPACE', 'ACTION', 'SELECTOR', 'RULES', 'STATUS'],
      items.map((p) => [
        p.metadata.name,
        p.metadata.namespace,
        p.spec.action,
        labelList(p.spec.selector?.matchLabels),
        String(p.spec.rules?.length ?? 0),
        statusSummary(p.status && [p.status]),
      ]),
    ),
};

/** MODE is what the policy sets (UNSET inherits); STATUS its `Accepted` condition. */
const peerAuthenticationView: KindView<PeerAuthenticationWithStatus> = {
  fetch: async (admin) =>
    (await admin.resources('PeerAuthentication')).items.filter(
      (r): r is PeerAuthenticationWithStatus => r.kind === 'PeerAuthentication',
    ),
  name: (p) => p.metadata.name,
  namespace: (p) => p.metadata.namespace,
  table: (items) =>
    formatTable(
      ['NAME', 'NAMESPACE', 'SELECTOR', 'MODE', 'STATUS'],
      items.map((p) => [
        p.metadata.name,
        p.metadata.namespace,
        Object.entries(p.spec.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || NONE,
        p.spec.mtls?.mode ?? 'UNSET',
        statusSummary(p.status && [p.status]),
      ]),
    ),
};

const externalServiceView: KindView<ExternalService> = {
  fetch: async (admin) =>
    (await admin.resources('ExternalService')).items.filter(
      (r): r is ExternalService => r.kind === 'ExternalService',
    ),
  name: (e) => e.metadata.name,
  namespace: (e) => e.metadata.namespace,
  table: (items) =>
    formatTable(
      ['NAME', 'NAMESPACE', 'HOSTS', 'ENDPOINTS'],
      items.map((e) => [
        e.metadata.name,
        e.metadata.namespace,
        e.spec.hosts?.join(',') || NONE,
        e.spec.endpoints.map((ep) => `${ep.address}:${ep.port}`).join(','),
      ]),
    ),
};

const serviceExportView: KindView<ServiceExport> = {
  fetch: async (admin) =>
    (await admin.resources('ServiceExport')).items.filter(
      (r): r is ServiceExport => r.kind === 'ServiceExport',
    ),
  name: (e) => e.metadata.name,
  namespace: (e) => e.metadata.namespace,
  table: (items) =>
    formatTable(
      ['NAME', 'NAMESPACE'],
      items.map((e) => [e.metadata.name, e.metadata.namespace]),
    ),
};

const workloadGroupView: KindView<WorkloadGroup> = {
  fetch: async (admin) =>
    (await admin.resources('WorkloadGroup')).items.filter(
      (r): r is WorkloadGroup => r.kind === 'WorkloadGroup',
    ),
  name: (g) => g.metadata.name,
  namespace: (g) => g.metadata.namespace,
  table: (items, wide) =>
    formatTable(
      ['NAME', 'NAMESPACE', 'SERVICE', 'SERVICE ACCOUNT', 'SITES', ...(wide ? ['LABELS'] : [])],
      items.map((g) => [
        g.metadata.name,
        g.metadata.namespace,
        g.spec.service,
        g.spec.serviceAccount ?? g.spec.service,
        g.spec.sites?.join(',') || '*',
        ...(wide ? [labelList(g.spec.labels)] : []),
      ]),
    ),
};

/** Live workloads outside any cluster, each with its site and the group that registers it. */
const workloadView: KindView<RegisteredWorkload> = {
  fetch: (admin) => admin.workloads(),
  name: (w) => w.instanceId,
  namespace: (w) => w.namespace,
  table: (items, wide) =>
    formatTable(
      [
        'INSTANCE',
        'NAMESPACE',
        'SERVICE',
        'SITE',
        'GROUP',
        'READY',
        ...(wide ? ['ADDRESS', 'LOCALITY', 'LABELS'] : []),
      ],
      items.map((w) => [
        w.instanceId,
        w.namespace,
        w.service,
        w.site,
        w.group,
        w.ready ? 'yes' : 'no',
        ...(wide ? [`${w.address}:${w.port}`, localityLabel(w), labelList(w.labels)] : []),
      ]),
    ),
};

const gatewayView: KindView<Gateway> = {
  fetch: async (admin) =>
    (await admin.resources('Gateway')).items.filter((r): r is Gateway => r.kind === 'Gateway'),
  name: (g) => g.metadata.name,
  namespace: (g) => g.metadata.namespace,
  table: (items) =>
    formatTable(
      ['NAME', 'NAMESPACE', 'CLASS', 'LISTENERS'],
      items.map((g) => [
        g.metadata.name,
        g.metadata.namespace,
        g.spec.gatewayClassName,
        g.spec.listeners
          .map((l) => `${l.name}:${l.protocol}/${l.port}${l.hostname ? `/${l.hostname}` : ''}`)
          .join(','),
      ]),
    ),
};

const meshConfigView: KindView<MeshConfig> = {
  fetch: async (admin) =>
    (await admin.resources('MeshConfig')).items.filter(
      (r): r is MeshConfig => r.kind === 'MeshConfig',
    ),
  name: (m) => m.metadata.name,
  namespace: (m) => m.metadata.namespace,
  table: (items) =>
    formatTable(
      ['NAME', 'NAMESPACE', 'OUTBOUND'],
      items.map((m) => [
        m.metadata.name,
        m.metadata.namespace,
        m.spec.outboundTrafficPolicy?.mode ?? DEFAULT_OUTBOUND_TRAFFIC_MODE,
      ]),
    ),
};

const endpointsView: KindView<EndpointSet> = {
  fetch: (admin) => admin.endpoints(),
  name: (e) => e.service,
  namespace: (e) => e.namespace,
  table: (items, wide) =>
    formatTable(
      ['SERVICE', 'NAMESPACE', 'ENDPOINTS', ...(wide ? ['INSTANCES', 'LOCALITIES'] : [])],
      items.map((e) => {
        const addresses = e.endpoints.map((i) => `${i.address}:${i.port}`);
        return [
          e.service,
          e.namespace,
          wide ? addresses.join(',') || NONE : shortList(addresses, ENDPOINTS_SHOWN),
          ...(wide
            ? [
                e.endpoints.map((i) => i.instanceId).join(',') || NONE,
                e.endpoints.map(localityLabel).join(',') || NONE,
              ]
            : []),
        ];
      }),
    ),
};

/** `cluster/region/zone` of an instance, trailing unset parts left out (`local` alone by default). */
function localityLabel({ cluster, region, zone }: Locality): string {
  return [cluster ?? DEFAULT_CLUSTER, region ?? '', zone ?? ''].join('/').replace(/\/+$/, '');
}

const proxyView: KindView<ProxyStatus> = {
  fetch: async (admin) => (await admin.proxies()).items,
  name: (p) => p.id,
  namespace: (p) => p.namespace,
  table: (items, wide) => proxyTable(items, { layout: 'get', wide }),
};

interface GetRequest {
  readonly cmd: Command;
  readonly kind: KindSpec;
  readonly name: string | undefined;
  readonly opts: GetOptions;
}

const GETTERS: { readonly [K in KindId]: (req: GetRequest) => Promise<void> } = {
  Service: (req) => get(serviceView, req),
  HTTPRoute: (req) => get(httpRouteView, req),
  TrafficPolicy: (req) => get(trafficPolicyView, req),
  ExternalService: (req) => get(externalServiceView, req),
  Gateway: (req) => get(gatewayView, req),
  AuthorizationPolicy: (req) => get(authorizationPolicyView, req),
  PeerAuthentication: (req) => get(peerAuthenticationView, req),
  MeshConfig: (req) => get(meshConfigView, req),
  ServiceExport: (req) => get(serviceExportView, req),
  WorkloadGroup: (req) => get(workloadGroupView, req),
  Workload: (req) => get(workloadView, req),
  Endpoints: (req) => get(endpointsView, req),
  Proxy: (req) => get(proxyView, req),
};

export function getCommand(): Command {
  return new Command('get')
    .description('list resources (services, routes, policies, gateways) and live mesh state')
    .argument('<kind>', `one of ${KIND_WORDS}, singular or plural`)
    .argument('[name]', 'only this one (an error if it does not exist)')
    .option('-n, --namespace <namespace>', 'only this namespace (default: all namespaces)')
    .addOption(
      new Option('-o, --output <format>', 'yaml, json, or a wide table').choices([
        'yaml',
        'json',
        'wide',
      ]),
    )
    .action((kindWord: string, name: string | undefined, opts: GetOptions, cmd: Command) => {
      const kind = resolveKind(kindWord);
      return GETTERS[kind.id]({ cmd, kind, name, opts });
    });
}

async function get<T>(view: KindView<T>, { cmd, kind, name, opts }: GetRequest): Promise<void> {
  const all = await withAdmin(cmd, (admin) =>
    withProgress(`fetching ${kind.plural}`, () => view.fetch(admin)),
  );
  const items = all
    .filter((i) => opts.namespace === undefined || view.namespace(i) === opts.namespace)
    .filter((i) => name === undefined || view.name(i) === name)
    .sort(
      (a, b) =>
        view.namespace(a).localeCompare(view.namespace(b)) ||
        view.name(a).localeCompare(view.name(b)),
    );
  if (name !== undefined && items.length === 0) throw notFound(kind, name, opts.namespace);
  // One object when NAME picked exactly one; a list otherwise (NAME in several namespaces).
  print(view, items, opts.output ?? 'table', kind, name !== undefined && items.length === 1);
}

function print<T>(
  view: KindView<T>,
  items: readonly T[],
  format: OutputFormat,
  kind: KindSpec,
  single: boolean,
): void {
  if (format === 'yaml') {
    process.stdout.write(toYaml(items));
  } else if (format === 'json') {
    process.stdout.write(toJson(items, single));
  } else if (items.length === 0) {
    err(`no ${kind.plural} found`);
  } else {
    for (const line of view.table(items, format === 'wide')) out(line);
  }
}

function notFound(kind: KindSpec, name: string, namespace: string | undefined): CliError {
  const where = namespace === undefined ? '' : ` in namespace "${namespace}"`;
  return new CliError(`${kind.singular} "${name}" not found${where}`);
}

/** `Service/b`, with the namespace when it is not the route's own. */
function parents(route: HTTPRouteWithStatus): string {
  const refs = route.spec.parentRefs.map((p) => {
    const ns = p.namespace && p.namespace !== route.metadata.namespace ? `${p.namespace}/` : '';
    return `${p.kind ?? 'Gateway'}/${ns}${p.name}`;
  });
  return refs.join(',') || NONE;
}

/** Every rule's backends with their weights: `b-v1(90),b-v2(10)`; rules separated by `;`. */
function backends(route: HTTPRouteWithStatus): string {
  const rules = route.spec.rules
    .map((rule) => (rule.backendRefs ?? []).map((b) => `${b.name}(${b.weight})`).join(','))
    .filter(Boolean);
  return [...new Set(rules)].join(';') || NONE;
}
