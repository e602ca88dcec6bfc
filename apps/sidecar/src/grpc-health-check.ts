// The kubelet's gRPC probe as the proxy sends it: one `grpc.health.v1.Health/Check` over plaintext HTTP/2 (h2c), SERVING or not.
import { connect, constants, type IncomingHttpHeaders } from 'node:http2';
import { isIPv6 } from 'node:net';

/**
 * Written on node:http2 rather than with @grpc/grpc-js: the probe is one unary call of a
 * two-field protocol, and grpc-js (with a proto loader for the health service) would be a
 * runtime dependency of every proxy image for it; this is a frame header and two protobuf fields.
 */
const CHECK_PATH = '/grpc.health.v1.Health/Check';
/** `HealthCheckResponse.ServingStatus` values, by number. */
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
/** A HealthCheckResponse is a few bytes; more is not one. */
const MAX_RESPONSE_BYTES = 1024;

/** undefined when the server answers SERVING for `service`; otherwise why not. */
export function grpcHealthCheck(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const session = connect(`http://${isIPv6(host) ? `[${host}]` : host}:${port}`);
    let settled = false;
    const finish = (problem: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => finish(`no answer in ${timeoutMs} ms`), timeoutMs);
    session.on('error', (err: Error) => finish(err.message));
    // A peer that is no HTTP/2 server may just close: a failure, not a wait for the timeout.
    session.on('close', () => finish('the connection closed before an answer'));
    const call = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: CHECK_PATH,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
      'user-agent': 'weft-probe',
    });
    const chunks: Buffer[] = [];
    let size = 0;
    /** grpc-status and grpc-message: in the trailers, or the headers of a trailers-only answer. */
    let grpcStatus: unknown;
    let grpcMessage: unknown;
    call.on('response', (headers) => {
      if (headers[':status'] !== 200) finish(`HTTP status ${headers[':status']}`);
      ({ 'grpc-status': grpcStatus, 'grpc-message': grpcMessage } = headers);
    });
    call.on('trailers', (trailers: IncomingHttpHeaders) => {
      ({ 'grpc-status': grpcStatus, 'grpc-message': grpcMessage } = trailers);
    });
    call.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) finish(`answer over ${MAX_RESPONSE_BYTES} bytes`);
      else chunks.push(chunk);
    });
    call.on('error', (err: Error) => finish(err.message));
    call.on('close', () => finish('the stream closed before an answer'));
    call.on('end', () => {
      if (grpcStatus !== '0')
        finish(
          `grpc-status ${String(grpcStatus)}${grpcMessage ? `: ${decoded(grpcMessage)}` : ''}`,
        );
      else finish(servingProblem(Buffer.concat(chunks)));
    });
    call.end(frame(service));
  });
}

/** The gRPC message frame of a HealthCheckRequest: `service` is field 1 (a string; '' is left out). */
function frame(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const message =
    name.length > 0
      ? Buffer.concat([Buffer.from([0x0a]), varint(name.length), name])
      : Buffer.alloc(0);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** undefined for a HealthCheckResponse whose `status` (field 1, a varint) is SERVING. */
function servingProblem(answer: Buffer): string | undefined {
  if (answer.length < 5 || answer[0] !== 0) return 'no uncompressed HealthCheckResponse';
  const message = answer.subarray(5, 5 + answer.readUInt32BE(1));
  let status = 0;
  for (let at = 0; at < message.length;) {
    const key = readVarint(message, at);
    if (!key) return 'a malformed HealthCheckResponse';
    at = key.next;
    const wireType = key.value & 7;
    if (wireType === 0) {
      const field = readVarint(message, at);
      if (!field) return 'a malformed HealthCheckResponse';
      if (key.value >> 3 === 1) status = field.value;
      at = field.next;
    } else if (wireType === 2) {
      const length = readVarint(message, at);
      if (!length) return 'a malformed HealthCheckResponse';
      at = length.next + length.value;
    } else return 'a malformed HealthCheckResponse';
  }
  return status === 1 ? undefined : (SERVING_STATUS[status] ?? `status ${status}`);
}

/** grpc-message is percent-encoded (gRPC over HTTP/2); a malformed one is shown as it came. */
function decoded(message: unknown): string {
  try {
    return decodeURIComponent(String(message));
  } catch {
    return String(message);
  }
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  for (let v = value; ; v >>>= 7) {
    if (v < 0x80) {
      bytes.push(v);
      return Buffer.from(bytes);
    }
    bytes.push((v & 0x7f) | 0x80);
  }
}

/** A varint of at most 32 bits at `at`, or undefined when it runs past the end or is longer. */
function readVarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 5 && at + i < buf.length; i++) {
    const byte = buf[at + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return { value, next: at + i + 1 };
  }
  return undefined;
}
