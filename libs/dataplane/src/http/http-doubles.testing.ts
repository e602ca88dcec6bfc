// For specs: stand-ins for a downstream request and response that record what a layer did to them.
import { EventEmitter } from 'node:events';
import { trace } from '@opentelemetry/api';
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import { Exchange, type ExchangeOwner } from '../exchange.js';
import type { ExchangeNotes } from '../telemetry/exchange-notes.js';

/** The parts of a request the request path reads. */
export interface RequestParts {
  readonly url?: string;
  readonly method?: string;
  readonly headers?: IncomingHttpHeaders;
  readonly remoteAddress?: string;
  readonly httpVersionMajor?: number;
  /** Node's flag for a request asking to switch protocols (WebSocket). */
  readonly upgrade?: boolean;
}

/** An exchange as a listener makes it (no owner to tell, an unsampled span), for one step or more. */
export function fakeExchange(
  req: IncomingMessage = fakeRequest(),
  res: RecordedResponse & ServerResponse = recordedResponse(),
  notes?: ExchangeNotes,
): Exchange {
  const span = trace.getTracer('spec').startSpan(req.method ?? 'GET');
  return new Exchange(NO_OWNER, req, res, span, notes, 0, performance.now());
}

const NO_OWNER: ExchangeOwner = { finished: () => undefined };

/** A request with no body (`resume` is all a body-less exchange calls on it). */
export function fakeRequest(parts: RequestParts = {}): IncomingMessage {
  const headers: IncomingHttpHeaders = { host: 'shop', ...parts.headers };
  const rawHeaders: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      rawHeaders.push(name, one);
    }
  }
  return {
    url: parts.url ?? '/',
    method: parts.method ?? 'GET',
    headers,
    rawHeaders,
    httpVersionMajor: parts.httpVersionMajor ?? 1,
    httpVersion: parts.httpVersionMajor === 2 ? '2.0' : '1.1',
    upgrade: parts.upgrade ?? false,
    socket: { remoteAddress: parts.remoteAddress ?? '10.0.0.1' },
    resume() {
      return this;
    },
  } as unknown as IncomingMessage;
}

/**
 * What a ServerResponse was told: status and headers, body chunks, trailers, and whether it ended or
 * was destroyed (a reset, once headers are out). `write` answers `writable` (false: backpressure).
 */
export class RecordedResponse extends EventEmitter {
  status = 0;
  statusMessage: string | undefined;
  sentHeaders: OutgoingHttpHeaders = {};
  readonly chunks: string[] = [];
  trailers: OutgoingHttpHeaders | undefined;
  headersSent = false;
  destroyed = false;
  writableFinished = false;
  writable = true;

  get body(): string {
    return this.chunks.join('');
  }

  /** As a ServerResponse names the status it sent (the listener reads this one). */
  get statusCode(): number {
    return this.status;
  }

  writeHead(
    status: number,
    messageOrHeaders?: string | OutgoingHttpHeaders,
    headers?: OutgoingHttpHeaders,
  ): this {
    this.status = status;
    if (typeof messageOrHeaders === 'string') this.statusMessage = messageOrHeaders;
    this.sentHeaders = { ...(typeof messageOrHeaders === 'object' ? messageOrHeaders : headers) };
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer | string): boolean {
    if (!this.headersSent) this.writeHead(200);
    this.chunks.push(chunk.toString());
    return this.writable;
  }

  addTrailers(trailers: OutgoingHttpHeaders): void {
    this.trailers = { ...trailers };
  }

  end(chunk?: Buffer | string): this {
    if (chunk !== undefined) this.write(chunk);
    else if (!this.headersSent) this.writeHead(200);
    this.writableFinished = true;
    this.emit('finish');
    this.emit('close');
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}

/** A recorder typed as the ServerResponse the code under test takes. */
export function recordedResponse(): RecordedResponse & ServerResponse {
  return new RecordedResponse() as unknown as RecordedResponse & ServerResponse;
}
