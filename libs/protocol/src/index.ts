// Public surface of the wire contract: subjects, resources, messages, codecs. No I/O, no Nest.
export * from './version.js';
export * from './subjects.js';
export * from './field-error.js';
export * from './codec.js';
export * from './validation/parse-into.js';
export * from './resources/object-meta.dto.js';
export * from './resources/service.dto.js';
export * from './resources/http-route.dto.js';
export * from './resources/resource.js';
export * from './messages/instance.dto.js';
export * from './messages/heartbeat.dto.js';
export * from './messages/endpoint-set.dto.js';
export * from './messages/proxy-ack.dto.js';
export * from './messages/config-entry.dto.js';
export * from './validation/names.js';
export * from './validation/string-map.validator.js';
