// A local HTTP server that answers as the Kubernetes API server does, from recordings: lists as queued, watch streams line by line as the test writes them, status patches and creates recorded.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ROOT } from '../docs/doc-files.js';

const RECORDINGS = join(ROOT, 'test/k8s/recordings');

/** The collections (across namespaces) of the kinds a Weft control plane follows, as the API server serves them. */
export const COLLECTIONS = {
  Service: '/api/v1/services',
  EndpointSlice: '/apis/discovery.k8s.io/v1/endpointslices',
  HTTPRoute: '/apis/gateway.networking.k8s.io/v1/httproutes',
  Gateway: '/apis/gateway.networking.k8s.io/v1/gateways',
  TrafficPolicy: '/apis/weft.dev/v1alpha1/trafficpolicies',
  ExternalService: '/apis/weft.dev/v1alpha1/externalservices',
  PeerAuthentication: '/apis/weft.dev/v1alpha1/peerauthentications',
  AuthorizationPolicy: '/apis/weft.dev/v1alpha1/authorizationpolicies',
} as const;

/** The collection path of the cluster's Services, the default of the methods taking a path. */
export const SERVICES = COLLECTIONS.Service;

/** A recorded response body (`services-list-1000.json`). */
export function recording(file: string): string {
  return readFileSync(join(RECORDINGS, file), 'utf8');
}

/** The lines of a recorded watch stream (`services-watch-1000.jsonl`), each one event. */
export function recordedEvents(file: string): string[] {
  return recording(file).split('\n').filter(Boolean);
}

/** An empty list of `kind` at `resourceVersion`, as the API server answers for a collection with nothing in it. */
export function emptyList(kind: string, resourceVersion = '1'): string {
  return JSON.stringify({
    kind: `${kind}List`,
    apiVersion: 'v1',
    metadata: { resourceVersion },
    items: [],
  });
}

/** The API server's 404 for a resource it does not serve (no CRD installed). */
export const NOT_FOUND = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'the server could not find the requested resource',
  reason: 'NotFound',
  details: {},
  code: 404,
});

/** An open watch: the client reads each line written as one event. */
export interface WatchStream {
  readonly resourceVersion: string | null;
  send(line: string): void;
  end(): void;
  /** Closes the connection mid-stream, without the chunked body's end (a proxy or the server cut it). */
  cut(): void;
}

/** A PATCH the client sent, with its content type and parsed body. */
export interface ReceivedPatch {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** What one collection path answers: queued lists first, then the standing answer if any. */
class Collection {
  readonly requests: string[] = [];
  readonly answers: Answer[] = [];
  standing: Answer | undefined;
  readonly waitingLists: ServerResponse[] = [];
  readonly watches: WatchStream[] = [];
  readonly watchWaiters: ((w: WatchStream) => void)[] = [];

  nextAnswer(): Answer | undefined {
    return this.answers.shift() ?? this.standing;
  }
}

export class RecordedApiServer {
  /** Every PATCH in the order received. */
  readonly patches: ReceivedPatch[] = [];
  /** Every POST (a create) in the order received, a second of the same name answered 409 too. */
  readonly creates: ReceivedPatch[] = [];
  /** Set by `refusePatches`: the failure every later patch is answered with. */
  private patchRefusal: Answer | undefined;
  private readonly collections = new Map<string, Collection>();
  private readonly open = new Set<ServerResponse>();

  private constructor(private readonly server: ReturnType<typeof createServer>) {}

  static async start(): Promise<RecordedApiServer> {
    const server = createServer();
    const api = new RecordedApiServer(server);
    server.on('request', (req, res) => api.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** A client configuration pointing at this server, as a kubeconfig would. */
  kubeConfig(): KubeConfig {
    const { port } = this.server.address() as AddressInfo;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'recorded', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'recorded', token: 'recorded' }],
      contexts: [{ name: 'recorded', cluster: 'recorded', user: 'recorded' }],
      currentContext: 'recorded',
    });
    return kc;
  }

  /** Every request to `path` in order: `list` or `watch <resourceVersion>`. */
  requestsTo(path: string = SERVICES): string[] {
    return this.collection(path).requests;
  }

  /** The answer to the next list request of `path`. */
  answerList(body: string, status = 200, path: string = SERVICES): void {
    const c = this.collection(path);
    c.answers.push({ status, body });
    this.flush(c);
  }

  /** The answer to every list of `path` no queued answer is left for (and its watches stay open, silent). */
  answerAlways(path: string, body: string, status = 200): void {
    const c = this.collection(path);
    c.standing = { status, body };
    this.flush(c);
  }

  /** Every list of the collections not named in `except` answered empty (a cluster without such objects). */
  answerEmptyExcept(...except: (keyof typeof COLLECTIONS)[]): void {
    for (const [kind, path] of Object.entries(COLLECTIONS))
      if (!except.includes(kind as keyof typeof COLLECTIONS))
        this.answerAlways(path, emptyList(kind));
  }

  /** The next watch the client opens on `path` (the ones already open first). */
  nextWatch(path: string = SERVICES): Promise<WatchStream> {
    const c = this.collection(path);
    const open = c.watches.shift();
    if (open) return Promise.resolve(open);
    return new Promise((resolve) => c.watchWaiters.push(resolve));
  }

  /** Every later patch answered with this failure (409 Conflict: the object changed meanwhile). */
  refusePatches(code: number, message: string): void {
    const reason = code === 409 ? 'Conflict' : 'InternalError';
    const body = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    });
    this.patchRefusal = { status: code, body };
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private collection(path: string): Collection {
    let c = this.collections.get(path);
    if (!c) {
      c = new Collection();
      this.collections.set(path, c);
    }
    return c;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://api');
    if (req.method === 'PATCH') {
      this.receivePatch(req, res, url.pathname);
      return;
    }
    if (req.method === 'POST') {
      this.receiveCreate(req, res, url.pathname);
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(NOT_FOUND);
      return;
    }
    // A list no answer is queued for waits for one (`answerAlways(path, NOT_FOUND, 404)` for an absent CRD).
    const c = this.collection(url.pathname);
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    if (url.searchParams.get('watch') !== 'true') {
      c.requests.push('list');
      c.waitingLists.push(res);
      this.flush(c);
      return;
    }
    const resourceVersion = url.searchParams.get('resourceVersion');
    c.requests.push(`watch ${resourceVersion}`);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const stream: WatchStream = {
      resourceVersion,
      send: (line) => res.write(`${line}\n`),
      end: () => res.end(),
      cut: () => res.socket?.destroy(),
    };
    const waiter = c.watchWaiters.shift();
    if (waiter) waiter(stream);
    else c.watches.push(stream);
  }

  /** Lists waiting for an answer get one, while there is one. */
  private flush(c: Collection): void {
    while (c.waitingLists.length > 0) {
      const answer = c.nextAnswer();
      if (!answer) return;
      const res = c.waitingLists.shift()!;
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    }
  }

  /** Recorded; answered 201 with the object, or 409 AlreadyExists when one of its name was created. */
  private receiveCreate(req: IncomingMessage, res: ServerResponse, path: string): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(text) as { kind?: string; metadata?: { name?: string } };
      const name = body.metadata?.name;
      const exists = this.creates.some(
        (c) => c.path === path && (c.body as typeof body).metadata?.name === name,
      );
      this.creates.push({ path, contentType: req.headers['content-type'], body });
      if (!exists) {
        res.writeHead(201, { 'content-type': 'application/json' }).end(text);
        return;
      }
      const conflict = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `${body.kind?.toLowerCase()}s "${name}" already exists`,
        reason: 'AlreadyExists',
        details: { name, kind: `${body.kind?.toLowerCase()}s` },
        code: 409,
      });
      res.writeHead(409, { 'content-type': 'application/json' }).end(conflict);
    });
  }

  /** Recorded, and answered as the API server does: with the object (here just what was sent). */
  private receivePatch(req: IncomingMessage, res: ServerResponse, path: string): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      this.patches.push({
        path,
        contentType: req.headers['content-type'],
        body: JSON.parse(text) as unknown,
      });
      const answer = this.patchRefusal ?? { status: 200, body: text };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  }
}
