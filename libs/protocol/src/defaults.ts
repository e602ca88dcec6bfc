// Default ports and addresses, named once (DESIGN.md "Interface"; Istio's port habits).
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const CONTROL_PLANE_ADMIN_PORT = 15010;
export const PROXY_ADMIN_PORT = 15000;
export const SIDECAR_INBOUND_PORT = 15006;
export const SIDECAR_OUTBOUND_PORT = 15001;
export const ROUTER_LISTEN_PORT = 8080;
