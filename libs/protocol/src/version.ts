// The wire protocol version carried as `v` on every NATS message and KV value.
export const PROTOCOL_VERSION = 1;
