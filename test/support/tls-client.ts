// HTTPS clients for edge tests: HTTP/1.1 and HTTP/2 over TLS with a chosen SNI name; certificates.
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate } from 'node:tls';

export interface TlsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The protocol ALPN settled on. */
  alpn: string | false | null;
}

/**
 * HTTP/1.1 (ALPN http/1.1) to `options.host:port`, SNI `options.servername`, which is also the
 * `Host` unless `headers` names another.
 */
export function http1OverTls(
  options: ConnectionOptions,
  path: string,
  headers: Record<string, string> = {},
): Promise<TlsReply> {
  const tls = { ...options, ALPNProtocols: ['http/1.1'] };
  const host = options.servername ?? '';
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { ...tls, path, headers: { host, ...headers }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            alpn: (res.socket as unknown as { alpnProtocol: string | false }).alpnProtocol,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** HTTP/2 (ALPN h2), SNI and `:authority` `options.servername`; a `body` goes without a length. */
export async function http2OverTls(
  options: ConnectionOptions,
  path: string,
  { body, headers = {} }: { body?: string; headers?: Record<string, string> } = {},
): Promise<TlsReply> {
  const session = http2Connect(`https://${options.servername}:${options.port}`, {
    ...options,
    createConnection: () => tlsConnect({ ...options, ALPNProtocols: ['h2'] }),
  });
  try {
    return await new Promise<TlsReply>((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({
        ':method': body === undefined ? 'GET' : 'POST',
        ':path': path,
        ...headers,
      });
      let status = 0;
      let replyHeaders: TlsReply['headers'] = {};
      let text = '';
      stream.on('response', (h) => {
        status = Number(h[':status']);
        replyHeaders = h;
      });
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (text += c));
      stream.on('end', () =>
        resolve({ status, headers: replyHeaders, body: text, alpn: session.alpnProtocol ?? null }),
      );
      stream.on('error', reject);
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

/** The certificate a client offering SNI `options.servername` receives (not verified). */
export function servedCertificate(options: ConnectionOptions): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ ...options, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}
