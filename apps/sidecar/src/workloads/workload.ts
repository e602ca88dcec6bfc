// The workloads a proxy fronts: one for a sidecar, many for a node proxy, each its own instance.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { formatErrors, parseInto, type FieldError } from '@app/protocol';
import type { SidecarEnv } from '../sidecar-env.dto.js';
import { WorkloadSpec } from './workload-spec.dto.js';

/** One instance in the mesh: its Service, identity and labels, and the local app behind it. */
export interface Workload {
  readonly service: string;
  readonly namespace: string;
  /** The service account of its workload identity: its heartbeats' subject, its certificate. */
  readonly serviceAccount: string;
  readonly instanceId: string;
  /** `app=<service>` plus its own labels. */
  readonly labels: Record<string, string>;
  readonly appAddress: string;
  readonly appPort: number;
  /** Requested inbound port (0: any free one). */
  readonly inboundPort: number;
  /** Node mode: its own outbound listener's port (calls present its identity); none by default. */
  readonly outboundPort?: number;
}

/** The workloads of this proxy, from its env; throws naming every bad field. */
export function loadWorkloads(env: SidecarEnv): Workload[] {
  if (env.WEFT_MODE !== 'node') return env.hasApp ? [ownWorkload(env)] : [];
  if (env.WEFT_WORKLOADS_FILE !== undefined && env.WEFT_WORKLOADS !== undefined) {
    throw new Error('invalid environment: set WEFT_WORKLOADS or WEFT_WORKLOADS_FILE, not both');
  }
  const text =
    env.WEFT_WORKLOADS_FILE !== undefined
      ? readFileSync(env.WEFT_WORKLOADS_FILE, 'utf8')
      : env.WEFT_WORKLOADS;
  const source = env.WEFT_WORKLOADS_FILE ?? 'WEFT_WORKLOADS';
  return text === undefined ? [] : parseWorkloads(text, source, env);
}

/** A YAML (or JSON) list of workloads; instance ids must be unique. */
export function parseWorkloads(text: string, source: string, env: SidecarEnv): Workload[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new Error(`invalid workloads in ${source}: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new Error(`invalid workloads in ${source}: must be a list`);
  const errors: FieldError[] = [];
  const workloads: Workload[] = [];
  const seen = new Set<string>();
  const ports = new Set<number>();
  raw.forEach((item: unknown, i) => {
    const where = `${source}[${i}]`;
    const parsed = parseInto(WorkloadSpec, item, where);
    if (!parsed.ok) return errors.push(...parsed.errors);
    const w = parsed.value;
    const instanceId = w.instanceId ?? `${w.service}-${env.instanceId}`;
    if (seen.has(instanceId)) {
      const message = `instanceId ${instanceId} is used twice (set instanceId on each)`;
      return errors.push({ resource: where, path: 'instanceId', message });
    }
    seen.add(instanceId);
    if (w.outboundPort !== undefined) {
      if (ports.has(w.outboundPort)) {
        const message = `outboundPort ${w.outboundPort} is used twice`;
        return errors.push({ resource: where, path: 'outboundPort', message });
      }
      ports.add(w.outboundPort);
    }
    workloads.push({
      service: w.service,
      namespace: w.namespace ?? env.WEFT_NAMESPACE,
      serviceAccount: w.serviceAccount ?? w.service,
      instanceId,
      labels: { ...w.labels, app: w.service },
      appAddress: w.appAddress ?? env.WEFT_APP_ADDRESS,
      appPort: w.appPort,
      inboundPort: w.inboundPort ?? 0,
      ...(w.outboundPort !== undefined && { outboundPort: w.outboundPort }),
    });
  });
  if (errors.length > 0) throw new Error(`invalid workloads: ${formatErrors(errors)}`);
  return workloads;
}

/** A sidecar's (or a standalone proxy's) one app, from WEFT_SERVICE, WEFT_LABELS and the ports. */
function ownWorkload(env: SidecarEnv): Workload {
  return {
    service: env.WEFT_SERVICE,
    namespace: env.WEFT_NAMESPACE,
    serviceAccount: env.serviceAccount,
    instanceId: env.instanceId,
    labels: env.labels,
    appAddress: env.WEFT_APP_ADDRESS,
    appPort: env.WEFT_APP_PORT,
    inboundPort: env.WEFT_INBOUND_PORT,
  };
}

/** The workload list, injectable (loaded once at boot). */
export class Workloads {
  constructor(readonly list: readonly Workload[]) {}
}
