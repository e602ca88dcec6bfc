// Reads the server name (SNI) of a TLS ClientHello from the first bytes of a connection, without
// terminating TLS: the east-west gateway routes by it and then passes the same bytes on unchanged.
// Hand-written (about 60 lines, RFC 8446 §4.1.2 and RFC 6066 §3) because the gateway must bound the
// bytes it holds and say why it refuses; the npm parsers read the socket themselves.

/** What the bytes so far say. */
export type ClientHelloRead =
  | { readonly state: 'incomplete' }
  | { readonly state: 'not_tls' }
  | { readonly state: 'complete'; readonly serverName: string | undefined };

const HANDSHAKE_RECORD = 0x16;
const CLIENT_HELLO = 0x01;
const SERVER_NAME_EXTENSION = 0x0000;
const HOST_NAME = 0x00;
const RECORD_HEADER = 5;

const INCOMPLETE: ClientHelloRead = { state: 'incomplete' };
const NOT_TLS: ClientHelloRead = { state: 'not_tls' };

/**
 * The ClientHello's server name once `bytes` hold all of it (it may span several records), or
 * `incomplete`, or `not_tls` when they cannot open a TLS handshake. The caller bounds how many bytes
 * it collects before giving up.
 */
export function readClientHelloSni(bytes: Buffer): ClientHelloRead {
  // The handshake message, reassembled from the records' fragments.
  const fragments: Buffer[] = [];
  let have = 0;
  let need = -1;
  for (let at = 0; need < 0 || have < need;) {
    if (bytes.length < at + RECORD_HEADER)
      return bytes.length > at && bytes[at] !== HANDSHAKE_RECORD ? NOT_TLS : INCOMPLETE;
    if (bytes[at] !== HANDSHAKE_RECORD || bytes[at + 1] !== 0x03) return NOT_TLS;
    const length = bytes.readUInt16BE(at + 3);
    if (length === 0) return NOT_TLS;
    const end = Math.min(bytes.length, at + RECORD_HEADER + length);
    fragments.push(bytes.subarray(at + RECORD_HEADER, end));
    have += end - at - RECORD_HEADER;
    if (need < 0 && have >= 4) {
      const head = fragments.length === 1 ? fragments[0] : Buffer.concat(fragments);
      if (head[0] !== CLIENT_HELLO) return NOT_TLS;
      need = 4 + head.readUIntBE(1, 3);
    }
    if (end < at + RECORD_HEADER + length) return INCOMPLETE;
    at = end;
  }
  const hello = Buffer.concat(fragments).subarray(4, need);
  const serverName = serverNameOf(hello);
  return serverName === null ? NOT_TLS : { state: 'complete', serverName };
}

/** The host name of a complete ClientHello body; undefined without one; null when malformed. */
function serverNameOf(hello: Buffer): string | undefined | null {
  // client_version (2), random (32), then the variable-length fields.
  let at = 34;
  const skip = (lengthBytes: number): boolean => {
    if (at + lengthBytes > hello.length) return false;
    at += lengthBytes + hello.readUIntBE(at, lengthBytes);
    return at <= hello.length;
  };
  // legacy_session_id, cipher_suites, legacy_compression_methods
  if (!skip(1) || !skip(2) || !skip(1)) return null;
  if (at === hello.length) return undefined; // no extensions at all
  if (at + 2 > hello.length) return null;
  const end = at + 2 + hello.readUInt16BE(at);
  if (end > hello.length) return null;
  for (at += 2; at + 4 <= end;) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    const body = at + 4;
    if (body + length > end) return null;
    if (type === SERVER_NAME_EXTENSION) return hostNameOf(hello.subarray(body, body + length));
    at = body + length;
  }
  return undefined;
}

/** The `host_name` entry of a server_name extension's list. */
function hostNameOf(ext: Buffer): string | undefined | null {
  if (ext.length < 2 || 2 + ext.readUInt16BE(0) > ext.length) return null;
  for (let at = 2; at + 3 <= ext.length;) {
    const length = ext.readUInt16BE(at + 1);
    if (at + 3 + length > ext.length) return null;
    if (ext[at] === HOST_NAME) return ext.toString('latin1', at + 3, at + 3 + length);
    at += 3 + length;
  }
  return undefined;
}
