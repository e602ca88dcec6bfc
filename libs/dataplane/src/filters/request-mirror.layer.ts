// Pipeline layer: RequestMirror, a copy of the request to each of the rule's mirrors, fire and forget.
import type { IncomingMessage } from 'node:http';
import type { CompiledRoute } from '../routing/route-table.js';
import type { Forwarder } from '../upstream/forwarder.js';

/**
 * Sends the mirrors' copies. Runs after every step that may answer the request itself (a request
 * refused or aborted is not mirrored, as Envoy's router only shadows what it forwards) and in the
 * same tick as the main request's `forward`, which a teed body needs (see `Forwarder.mirror`).
 */
export function sendMirrors(
  forwarder: Forwarder,
  req: IncomingMessage,
  route: CompiledRoute,
  path: string,
): void {
  const mirrors = route.mirrors;
  for (let i = 0; i < mirrors.length; i++) forwarder.mirror(req, mirrors[i], route, path);
}
