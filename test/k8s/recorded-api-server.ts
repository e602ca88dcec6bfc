// A local HTTP server that answers as the Kubernetes API server does, from recordings: lists as queued, watch streams line by line as the test writes them.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ROOT } from '../docs/doc-files.js';

const RECORDINGS = join(ROOT, 'test/k8s/recordings');

/** A recorded response body (`services-list-1000.json`). */
export function recording(file: string): string {
  return readFileSync(join(RECORDINGS, file), 'utf8');
}

/** The lines of a recorded watch stream (`services-watch-1000.jsonl`), each one event. */
export function recordedEvents(file: string): string[] {
  return recording(file).split('\n').filter(Boolean);
}

/** An open watch: the client reads each line written as one event. */
export interface WatchStream {
  readonly resourceVersion: string | null;
  send(line: string): void;
  end(): void;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

export class RecordedApiServer {
  /** Every request in order: `list` or `watch <resourceVersion>`. */
  readonly requests: string[] = [];
  private readonly answers: Answer[] = [];
  private readonly waitingLists: ServerResponse[] = [];
  private readonly watches: WatchStream[] = [];
  private readonly watchWaiters: ((w: WatchStream) => void)[] = [];
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

  /** The answer to the next list request. */
  answerList(body: string, status = 200): void {
    this.answers.push({ status, body });
    const waiting = this.waitingLists.shift();
    if (waiting) this.reply(waiting);
  }

  /** The next watch the client opens (the ones already open first). */
  nextWatch(): Promise<WatchStream> {
    const open = this.watches.shift();
    if (open) return Promise.resolve(open);
    return new Promise((resolve) => this.watchWaiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.pathname !== '/api/v1/services') {
      res.writeHead(404).end();
      return;
    }
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    if (url.searchParams.get('watch') !== 'true') {
      this.requests.push('list');
      if (this.answers.length > 0) this.reply(res);
      else this.waitingLists.push(res);
      return;
    }
    const resourceVersion = url.searchParams.get('resourceVersion');
    this.requests.push(`watch ${resourceVersion}`);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const stream: WatchStream = {
      resourceVersion,
      send: (line) => res.write(`${line}\n`),
      end: () => res.end(),
    };
    const waiter = this.watchWaiters.shift();
    if (waiter) waiter(stream);
    else this.watches.push(stream);
  }

  private reply(res: ServerResponse): void {
    const { status, body } = this.answers.shift()!;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  }
}
