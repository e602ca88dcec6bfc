// Default ports and addresses, named once (Istio's port habits; docs/reference/environment.md).
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const CONTROL_PLANE_ADMIN_PORT = 15010;
export const PROXY_ADMIN_PORT = 15000;
export const SIDECAR_INBOUND_PORT = 15006;
export const SIDECAR_OUTBOUND_PORT = 15001;
export const ROUTER_LISTEN_PORT = 8080;
/** Bus transport: largest data frame (smaller when the server's max_payload says so). */
export const BUS_CHUNK_BYTES = 64 * 1024;
/** Bus transport: data frames a receiver lets a sender have in flight (the window). */
export const BUS_WINDOW_FRAMES = 16;
/** Bus transport: a side pings after this long without sending; a peer silent 5× as long is gone. */
export const BUS_KEEPALIVE_MS = 1_000;
/** TrafficPolicy `grpcRetry.bufferBytes` unset: the request body kept for resending a gRPC call. */
export const GRPC_RETRY_BUFFER_BYTES = 64 * 1024;
/** A RequestMirror copy of a request body falling this far behind the main request is dropped. */
export const MIRROR_BUFFER_BYTES = 256 * 1024;
/** A new client connection silent this long is closed (Node's default headers timeout). */
export const FIRST_BYTES_TIMEOUT_MS = 60_000;
/** The uid a proxy runs as (the image's user; Istio's habit): transparent capture exempts it. */
export const PROXY_UID = 1337;
