// Client of the control plane admin API (`/v1/*`, `/readyz`): typed answers, one-line errors.
import { Agent, request } from 'undici';
import type {
  AdminCallerInfo,
  AdminRole,
  AdminTokenInfo,
  ApplyResult,
  CaStatus,
  CreatedAdminToken,
  DiffResult,
  HistorySummary,
  EndpointSet,
  FieldError,
  MeshStats,
  ClustersetInfo,
  LeaderInfo,
  ProxyList,
  RegisteredWorkload,
  WorkloadList,
  ResourceKind,
  ResourceList,
  VersionInfo,
} from '@app/protocol';
import { CliError, errorCode, messageOf } from './cli-error.js';

/** An answer to a batch: its result, or the errors it was refused for (422). */
export type BatchOutcome<T> =
  | { readonly ok: true; readonly result: T }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export type ApplyOutcome = BatchOutcome<ApplyResult>;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly conditions: Readonly<Record<string, boolean>>;
}

export interface AdminTimeouts {
  readonly connectMs: number;
  /** Until the answer starts, and between body chunks. */
  readonly answerMs: number;
}

// An apply waits for every KV write; when NATS is slow the control plane answers 503 in time.
const DEFAULT_TIMEOUTS: AdminTimeouts = { connectMs: 5_000, answerMs: 30_000 };

const JSON_BODY = { 'content-type': 'application/json' };

/** undici codes of a connection that never got to the control plane (besides errnos). */
const UNREACHABLE = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);
const NO_ANSWER = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

interface Answer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: string;
}

export class AdminClient {
  /** Base URL without a trailing slash. */
  readonly base: string;
  private readonly agent: Agent;

  constructor(
    server: string,
    /** Sent as `Authorization: Bearer …` with every request; never printed. */
    private readonly token?: string,
    private readonly timeouts: AdminTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.base = parseServer(server);
    this.agent = new Agent({
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.answerMs,
      bodyTimeout: timeouts.answerMs,
    });
  }

  /** POST /v1/apply; a 422 is an outcome (the batch was refused), not an error. */
  async apply(body: string): Promise<ApplyOutcome> {
    const answer = await this.sendBatch('/v1/apply', body);
    return answer.ok ? { ok: true, result: this.applyResult(answer.result) } : answer;
  }

  /** POST /v1/apply?dryRun=true: what the batch would change; nothing is applied. */
  async diff(body: string): Promise<BatchOutcome<DiffResult>> {
    const answer = await this.sendBatch('/v1/apply?dryRun=true', body);
    if (!answer.ok) return answer;
    const diff = parseJson<DiffResult>(this.ok(answer.result), this.base);
    if (!Array.isArray(diff?.results)) throw this.unexpected(answer.result, '{revision, results}');
    return { ok: true, result: diff };
  }

  async history(): Promise<{ revision: number; items: readonly HistorySummary[] }> {
    return this.list(await this.send('GET', '/v1/history'));
  }

  /** POST /v1/rollback/N; undefined when the revision is not in the history. */
  async rollback(revision: number): Promise<ApplyResult | undefined> {
    // Every write carries a JSON content type, a body or not (the API refuses form types).
    const answer = await this.send('POST', `/v1/rollback/${revision}`, undefined, JSON_BODY);
    return answer.status === 404 ? undefined : this.applyResult(answer);
  }

  private async sendBatch(path: string, body: string): Promise<BatchOutcome<Answer>> {
    const answer = await this.send('POST', path, body, { ...JSON_BODY, 'x-weft-source': 'cli' });
    if (answer.status !== 422) return { ok: true, result: answer };
    const errors = parseJson<FieldError[]>(answer, this.base);
    if (!Array.isArray(errors)) throw this.unexpected(answer, 'a list of errors');
    return { ok: false, errors };
  }

  async resources(kind?: ResourceKind): Promise<ResourceList> {
    const query = kind ? `?kind=${encodeURIComponent(kind)}` : '';
    return this.list<ResourceList>(await this.send('GET', `/v1/resources${query}`));
  }

  /** DELETE one resource; undefined when the control plane does not know it. */
  async remove(
    kind: ResourceKind,
    namespace: string,
    name: string,
  ): Promise<ApplyResult | undefined> {
    const path = `/v1/resources/${[kind, namespace, name].map(encodeURIComponent).join('/')}`;
    const answer = await this.send('DELETE', path);
    return answer.status === 404 ? undefined : this.applyResult(answer);
  }

  /** POST /v1/admin-tokens: a new token, which the answer shows this once. */
  async createAdminToken(name: string, role: AdminRole): Promise<CreatedAdminToken> {
    const answer = await this.send(
      'POST',
      '/v1/admin-tokens',
      JSON.stringify({ name, role }),
      JSON_BODY,
    );
    const created = parseJson<CreatedAdminToken>(this.ok(answer), this.base);
    if (typeof created?.token !== 'string') throw this.unexpected(answer, '{name, role, token}');
    return created;
  }

  async adminTokens(): Promise<readonly AdminTokenInfo[]> {
    return this.list<{ items: AdminTokenInfo[] }>(await this.send('GET', '/v1/admin-tokens')).items;
  }

  /** DELETE /v1/admin-tokens/NAME; false when no token has that name. */
  async revokeAdminToken(name: string): Promise<boolean> {
    const answer = await this.send('DELETE', `/v1/admin-tokens/${encodeURIComponent(name)}`);
    if (answer.status === 404) return false;
    this.ok(answer);
    return true;
  }

  /** GET /v1/session: the caller as the control plane sees this client's credential. */
  async whoAmI(): Promise<AdminCallerInfo> {
    const answer = await this.send('GET', '/v1/session');
    const caller = parseJson<AdminCallerInfo>(this.ok(answer), this.base);
    if (typeof caller?.name !== 'string') throw this.unexpected(answer, '{name, role}');
    return caller;
  }

  async endpoints(): Promise<readonly EndpointSet[]> {
    return this.list<{ items: EndpointSet[] }>(await this.send('GET', '/v1/endpoints')).items;
  }

  /** GET /v1/workloads: the workloads outside any cluster that WorkloadGroups register. */
  async workloads(): Promise<readonly RegisteredWorkload[]> {
    return this.list<WorkloadList>(await this.send('GET', '/v1/workloads')).items;
  }

  async proxies(): Promise<ProxyList> {
    return this.list<ProxyList>(await this.send('GET', '/v1/proxies'));
  }

  /** GET /v1/clusterset: this cluster's name and the Services it imports from other clusters. */
  async clusterset(): Promise<ClustersetInfo> {
    const answer = await this.send('GET', '/v1/clusterset');
    const info = parseJson<ClustersetInfo>(this.ok(answer), this.base);
    if (!Array.isArray(info?.imports)) throw this.unexpected(answer, '{cluster, imports}');
    return info;
  }

  /** GET /v1/leader: the replica's role and the leader it knows of. */
  async leader(): Promise<LeaderInfo> {
    const answer = await this.send('GET', '/v1/leader');
    const info = parseJson<LeaderInfo>(this.ok(answer), this.base);
    if (typeof info?.role !== 'string') throw this.unexpected(answer, '{role, self, leader}');
    return info;
  }

  /** GET /v1/ca: the mesh CA's roots and the progress of a root rotation. */
  async caStatus(): Promise<CaStatus> {
    return this.caAnswer(await this.send('GET', '/v1/ca'));
  }

  /** POST /v1/ca/rotate: starts a root rotation (refused with 409 while one runs). */
  async caRotate(): Promise<CaStatus> {
    return this.caAnswer(await this.send('POST', '/v1/ca/rotate', undefined, JSON_BODY));
  }

  private caAnswer(answer: Answer): CaStatus {
    const status = parseJson<CaStatus>(this.ok(answer), this.base);
    if (typeof status?.enabled !== 'boolean' || !Array.isArray(status.roots)) {
      throw this.unexpected(answer, '{enabled, phase, roots, proxies}');
    }
    return status;
  }

  /** GET /v1/stats: golden signals per Service, edge and route over the control plane's window. */
  async stats(): Promise<MeshStats> {
    const answer = await this.send('GET', '/v1/stats');
    const stats = parseJson<MeshStats>(this.ok(answer), this.base);
    if (!Array.isArray(stats?.services) || !Array.isArray(stats.routes)) {
      throw this.unexpected(answer, '{windowMs, services, edges, routes}');
    }
    return stats;
  }

  async version(): Promise<VersionInfo> {
    const answer = await this.send('GET', '/v1/version');
    const info = parseJson<VersionInfo>(this.ok(answer), this.base);
    if (typeof info?.protocol !== 'number') throw this.unexpected(answer, '{protocol, revision}');
    return info;
  }

  /** GET /healthz: resolves once the control plane answers 200. */
  async health(): Promise<void> {
    this.ok(await this.send('GET', '/healthz'));
  }

  /** GET /readyz; 503 means "not ready" and is reported, not thrown. */
  async readiness(): Promise<ReadinessReport> {
    const answer = await this.send('GET', '/readyz');
    if (answer.status !== 200 && answer.status !== 503) throw this.failed(answer);
    const report = parseJson<ReadinessReport>(answer, this.base);
    if (typeof report?.ready !== 'boolean') throw this.unexpected(answer, '{ready, conditions}');
    return { ready: report.ready, conditions: report.conditions ?? {} };
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    try {
      const res = await request(`${this.base}${path}`, {
        dispatcher: this.agent,
        method,
        headers: {
          accept: 'application/json',
          ...(this.token !== undefined && { authorization: `Bearer ${this.token}` }),
          ...headers,
        },
        body,
      });
      return { method, path, status: res.statusCode, body: await res.body.text() };
    } catch (err) {
      throw this.networkError(err);
    }
  }

  private networkError(err: unknown): CliError {
    const code = errorCode(err);
    if (code !== undefined && NO_ANSWER.has(code)) {
      const seconds = Math.round(this.timeouts.answerMs / 1000);
      return new CliError(
        `the control plane at ${this.base} did not answer within ${seconds}s (${code})`,
      );
    }
    // Any errno (`E…`) means the connection itself failed.
    if (code !== undefined && (UNREACHABLE.has(code) || /^E[A-Z0-9_]+$/.test(code))) {
      return new CliError(
        `cannot reach the control plane at ${this.base} (${code}); ` +
          'is it running? set --server or WEFT_SERVER',
      );
    }
    return new CliError(`request to the control plane at ${this.base} failed: ${messageOf(err)}`);
  }

  private applyResult(answer: Answer): ApplyResult {
    const result = parseJson<ApplyResult>(this.ok(answer), this.base);
    if (typeof result?.revision !== 'number' || !Array.isArray(result.results)) {
      throw this.unexpected(answer, '{revision, results}');
    }
    return result;
  }

  private list<T extends { items: readonly unknown[] }>(answer: Answer): T {
    const list = parseJson<T>(this.ok(answer), this.base);
    if (!Array.isArray(list?.items)) throw this.unexpected(answer, '{items: [...]}');
    return list;
  }

  private ok(answer: Answer): Answer {
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw this.failed(answer);
  }

  private failed(answer: Answer): CliError {
    const reason = reasonOf(answer.body);
    if (answer.status === 401) {
      return new CliError(`the control plane at ${this.base} refused the request: ${reason}`, [
        this.token === undefined
          ? 'hint: give a token: --token, WEFT_TOKEN, or a context (weft config set-context NAME --server URL --token TOKEN)'
          : 'hint: the token was not accepted; ask an admin for a new one (weft admin-token create)',
      ]);
    }
    if (answer.status === 403) {
      return new CliError(`${answer.method} ${answer.path} is not allowed: ${reason}`, [
        'hint: this needs a token with the admin role (weft admin-token create --role admin)',
      ]);
    }
    if (answer.status === 503 && /"error":"no_leader"/.test(answer.body)) {
      return new CliError(`the control plane at ${this.base} cannot take writes: ${reason}`, [
        'hint: no control plane holds the leader lease right now; retry in a few seconds, or run `weft check`',
      ]);
    }
    if (answer.status === 503) {
      return new CliError(`the control plane at ${this.base} is unavailable: ${reason}`, [
        'hint: is NATS up and JetStream enabled? run `weft check`',
      ]);
    }
    return new CliError(`${answer.method} ${answer.path} failed (${answer.status}): ${reason}`);
  }

  private unexpected(answer: Answer, expected: string): CliError {
    return new CliError(
      `${this.base} answered ${answer.method} ${answer.path} without ${expected}; ` +
        'is --server the Weft control plane admin URL?',
    );
  }
}

/** Validates `--server` and drops a trailing slash, so paths can be appended. */
export function parseServer(server: string): string {
  const url = URL.canParse(server) ? new URL(server) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CliError(`--server "${server}" is not an http:// or https:// URL`);
  }
  return url.href.replace(/\/+$/, '');
}

function parseJson<T>(answer: Answer, base: string): T | undefined {
  try {
    return JSON.parse(answer.body) as T;
  } catch {
    throw new CliError(
      `${base} answered ${answer.method} ${answer.path} with something that is not JSON; ` +
        'is --server the Weft control plane admin URL?',
    );
  }
}

/** The human part of an error body: Nest's `{message}` (string or list), `{error, message}`, or text. */
function reasonOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    const message = Array.isArray(parsed.message) ? parsed.message.join('; ') : parsed.message;
    if (typeof message === 'string' && message !== '') return message;
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: the text itself, shortened below
  }
  const text = body.trim().replace(/\s+/g, ' ');
  return text === '' ? 'no details' : text.slice(0, 200);
}
