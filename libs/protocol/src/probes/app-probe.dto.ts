// An app's kubelet probes (httpGet, tcpSocket, grpc) as injection rewrites them to the proxy's admin port: the contract between the injector (which records the originals) and the sidecar (which answers for them).
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { fail, ok, type FieldError, type Result } from '../field-error.js';
import { parseInto } from '../validation/parse-into.js';
import { IsPort } from '../validation/port.validator.js';
import { HEADER_NAME } from '../validation/http-syntax.js';

/** The proxy container's variable holding the original probes (JSON: rewritten path → AppProbe). */
export const APP_PROBES_ENV = 'WEFT_APP_PROBES';

/** Kubelet's three probes, by the word their rewritten path ends in (Istio's words). */
export const PROBE_WORDS = {
  livenessProbe: 'livez',
  readinessProbe: 'readyz',
  startupProbe: 'startupz',
} as const;
export type ProbeWord = (typeof PROBE_WORDS)[keyof typeof PROBE_WORDS];

/** The kubelet probe kinds the proxy answers for, as the probe's field names them. */
export const APP_PROBE_TYPES = ['httpGet', 'tcpSocket', 'grpc'] as const;
export type AppProbeType = (typeof APP_PROBE_TYPES)[number];

/** Most probes one proxy answers for: three per container. */
const MAX_PROBES = 64;

/** `/app-health/<container>/<livez|readyz|startupz>`, as Istio's pilot-agent serves them. */
export function appHealthPath(container: string, word: ProbeWord): string {
  return `/app-health/${container}/${word}`;
}
const APP_HEALTH_PATH = /^\/app-health\/[a-z0-9]([-a-z0-9]*[a-z0-9])?\/(livez|readyz|startupz)$/;

export class ProbeHeader {
  @Matches(HEADER_NAME, { message: 'name must be an HTTP header name' })
  name!: string;

  @IsString()
  @MaxLength(4096)
  value!: string;
}

/**
 * The app's own probe: where the kubelet would have sent it, which the proxy now does. `httpGet`
 * is a GET of `path`; `tcpSocket` a TCP connection to `port`; `grpc` a `grpc.health.v1.Health/Check`
 * of `service` (plaintext HTTP/2, as the kubelet sends it).
 */
export class AppProbe {
  /** `httpGet` when absent: what injectors recorded before tcpSocket and grpc probes were rewritten. */
  @IsIn(APP_PROBE_TYPES, { message: `type must be one of ${APP_PROBE_TYPES.join(', ')}` })
  type: AppProbeType = 'httpGet';

  @IsPort()
  port!: number;

  /** Required for `httpGet`; the others have none. */
  @ValidateIf((p: AppProbe) => p.type === 'httpGet' || p.path !== undefined)
  @IsString()
  @MaxLength(2048)
  @Matches(/^\//, { message: 'path must start with "/"' })
  path?: string;

  /** `grpc` only: the service name the health check asks about ('' or absent: the server as a whole). */
  @ValidateIf((p: AppProbe) => p.service !== undefined)
  @IsString()
  @MaxLength(1024)
  service?: string;

  @IsIn(['HTTP', 'HTTPS'])
  scheme: 'HTTP' | 'HTTPS' = 'HTTP';

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => ProbeHeader)
  headers?: ProbeHeader[];

  /** Kubelet's `timeoutSeconds` (default 1): the proxy gives the app no longer. */
  @IsInt()
  @Min(1)
  @Max(3600)
  timeoutSeconds: number = 1;
}

/** The variable's value as rewritten path → probe, or every error, each naming the path. */
export function parseAppProbes(json: string): Result<Map<string, AppProbe>> {
  const source = APP_PROBES_ENV;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    return fail([{ resource: source, path: '', message: `not JSON: ${(err as Error).message}` }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return fail([{ resource: source, path: '', message: 'must be an object of probes by path' }]);
  const entries = Object.entries(raw);
  if (entries.length > MAX_PROBES)
    return fail([{ resource: source, path: '', message: `more than ${MAX_PROBES} probes` }]);
  const probes = new Map<string, AppProbe>();
  const errors: FieldError[] = [];
  for (const [path, value] of entries) {
    if (!APP_HEALTH_PATH.test(path)) {
      errors.push({
        resource: source,
        path,
        message: 'must be /app-health/<container>/<livez|readyz|startupz>',
      });
      continue;
    }
    const probe = parseInto(AppProbe, value, source);
    if (probe.ok) probes.set(path, probe.value);
    else errors.push(...probe.errors.map((e) => ({ ...e, path: `${path}.${e.path}` })));
  }
  return errors.length > 0 ? fail(errors) : ok(probes);
}
