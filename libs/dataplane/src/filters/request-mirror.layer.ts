// Pipeline layer: RequestMirror, a copy of the request to each of the rule's mirrors, fire and forget.
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import type { Forwarder } from '../upstream/forwarder.js';

/**
 * Step: sends the mirrors' copies. Runs after every step that may answer the request itself (a
 * request refused or aborted is not mirrored, as Envoy's router only shadows what it forwards) and
 * in the same tick as the main request's first try, which a teed body needs (see `mirrorBody`).
 */
export function requestMirrors(forwarder: Forwarder): (ex: Exchange) => StepOutcome {
  return (ex) => {
    const mirrors = ex.route!.mirrors;
    for (let i = 0; i < mirrors.length; i++) forwarder.mirror(ex, mirrors[i]);
    return 'next';
  };
}
