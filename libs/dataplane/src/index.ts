// Public surface of the shared data-plane engine.
export * from './engine.js';
export * from './config/ack-reporter.js';
export * from './config/config-sync.js';
export * from './config/mesh-state.js';
export * from './config/route-configurator.js';
export * from './config/snapshot-cache.js';
export * from './http/http-listener.js';
export * from './routing/route-table.js';
export * from './routing/route-compiler.js';
export * from './upstream/cluster.js';
export * from './upstream/cluster-registry.js';
export * from './upstream/endpoint.js';
export * from './nest/proxy-config.service.js';
export * from './nest/data-plane.module.js';
export * from './nest/proxy-env.dto.js';
export * from './telemetry/access-log.js';
