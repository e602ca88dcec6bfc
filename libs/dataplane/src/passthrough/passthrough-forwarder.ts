// Sends a passed-through request to the address it names, as the client sent it: no route, retry,
// header rewrite or mTLS (Istio's PassthroughCluster); its connections pooled in one bounded agent.
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Exchange } from '../exchange.js';
import { downstreamResponseHeaders } from '../http/forward-headers.js';
import { sendLocalReply } from '../http/local-reply.js';

/** How many connections passthrough holds at most, over every address, and how long an idle one. */
export interface PassthroughLimits {
  readonly maxSockets: number;
  readonly maxFreeSockets: number;
  readonly idleTimeoutMs: number;
}

export const DEFAULT_PASSTHROUGH_LIMITS: PassthroughLimits = {
  maxSockets: 256,
  maxFreeSockets: 32,
  idleTimeoutMs: 15_000,
};

/** Errors of a connection that never opened: nothing reached the destination. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export class PassthroughForwarder {
  /**
   * One agent for every destination: Node keeps its per-address lists only while they hold
   * sockets, and `maxTotalSockets` bounds them all, so addresses requests name cannot grow it.
   */
  private readonly agent: Agent;

  constructor(limits: PassthroughLimits = DEFAULT_PASSTHROUGH_LIMITS) {
    this.agent = new Agent({
      keepAlive: true,
      maxTotalSockets: limits.maxSockets,
      maxFreeSockets: limits.maxFreeSockets,
      timeout: limits.idleTimeoutMs,
    });
  }

  /** Streams the exchange to `address:port` and its answer back; failures answer 502. */
  forward(ex: Exchange, address: string, port: number): void {
    const { req, res } = ex;
    const upstream = request({
      host: address,
      port,
      method: req.method,
      path: ex.target!.pathAndQuery,
      // Hop-by-hop headers are this hop's; everything else (Host included) goes as sent.
      headers: downstreamResponseHeaders(req.headers),
      setHost: false,
      agent: this.agent,
    });
    upstream.once('response', (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, downstreamResponseHeaders(answer.headers));
      answer.pipe(res);
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => failed(ex, upstream, err));
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  close(): void {
    this.agent.destroy();
  }
}

function failed(ex: Exchange, upstream: ClientRequest, err: NodeJS.ErrnoException): void {
  upstream.destroy();
  const target = `${ex.target!.host}:${ex.target!.port}`;
  if (CONNECT_ERRORS.has(err.code ?? ''))
    sendLocalReply(ex.res, 'upstream_connect_failure', `passthrough to ${target}: ${err.message}`);
  else sendLocalReply(ex.res, 'upstream_reset', `passthrough to ${target}: ${err.message}`);
}
