// Clients that speak to a port the way an attacker's would: plaintext where TLS is due, TLS without a
// mesh certificate, a request line sent as written, a bare TCP connect.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/** What a plaintext HTTP request to `port` gets: its status, or the error that ended it. */
export function plaintextTo(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
    req.end();
  });
}

/**
 * A TLS client trusting `ca` (any server name), presenting what `options` gives (no certificate by
 * default): the first line of the answer to a first request, `closed`, or the error that ended it.
 */
export function requestOverTls(
  port: number,
  ca: string,
  options: ConnectionOptions = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      ca,
      checkServerIdentity: () => undefined,
      ...options,
    });
    let answer = '';
    socket.once('secureConnect', () => socket.write('GET / HTTP/1.1\r\nhost: b\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      resolve(`error ${err.code ?? err.message}`),
    );
    socket.once('close', () => resolve(answer === '' ? 'closed' : answer.split('\r\n')[0]));
  });
}

/** GET with `target` sent as is (no URL normalization): absolute-form targets, and the request
 * lines an attacker writes. */
export function rawGet(
  port: number,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `connected`, or the error code of connecting to `address:port`. */
export function connectOutcome(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
