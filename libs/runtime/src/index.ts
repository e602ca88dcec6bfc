// Process plumbing the three apps share: env, logs, NATS connection, admin endpoints.
export * from './env.js';
export * from './logger.js';
export * from './nats-connector.js';
export * from './nats-credentials.js';
export * from './permission-violations.js';
export * from './nats-client.js';
export * from './invalid-input.js';
export * from './log-throttle.js';
export * from './readiness.js';
export * from './admin.controller.js';
export * from './runtime.module.js';
export * from './tracing.js';
export * from './process-metrics.js';
export * from './manifest-folder.js';
export * from './nats-service.js';
export * from './version.js';
export * from './tls-handshake-failures.js';
