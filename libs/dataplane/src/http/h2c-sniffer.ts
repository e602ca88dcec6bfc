// Tells an HTTP/2 prior-knowledge (h2c) connection from an HTTP/1.1 one by its first bytes.
import type { Socket } from 'node:net';

/** RFC 9113 §3.4: every HTTP/2 connection opens with these 24 octets. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Whether `head` (the first bytes read so far) is the HTTP/2 preface: true once it holds all of
 * it, false as soon as a byte differs (an HTTP/1.1 request line never starts with `PRI *`),
 * undefined while it is a strict prefix and more must be read.
 */
export function prefaceMatch(head: Buffer): boolean | undefined {
  const n = Math.min(head.length, H2_PREFACE.length);
  if (head.compare(H2_PREFACE, 0, n, 0, n) !== 0) return false;
  return n === H2_PREFACE.length ? true : undefined;
}

/**
 * Reads the connection's first bytes until they say whether it speaks h2c, then calls `then`
 * with the answer and the bytes read, synchronously within the read (no data event is missed:
 * `then` must hand the socket and the bytes on at once). A connection that ends or closes before
 * saying is dropped without a call; one that says nothing for `timeoutMs` is closed (no server watches
 * it yet, so Node's own headers timeout does not).
 */
export function sniffH2c(
  socket: Socket,
  timeoutMs: number,
  then: (h2c: boolean, head: Buffer) => void,
): void {
  let head: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  // The HTTP server's sockets are half-open capable, so a peer that hangs up before saying
  // anything (wrk's connection probe does) would sit in CLOSE-WAIT and hold a drain open.
  const onEnd = (): void => {
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const h2c = prefaceMatch(head);
    if (h2c === undefined) return;
    clearTimeout(timer);
    socket.off('data', onData).off('end', onEnd);
    then(h2c, head);
  };
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('close', () => clearTimeout(timer));
}
