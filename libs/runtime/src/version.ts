// The release every component reports (NATS services discovery, logs).
export const WEFT_VERSION = '0.1.0';
