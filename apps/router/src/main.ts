// Router entry point: an unsupported Node.js gets one clear message, before any dependency loads.
import { exitUnlessSupportedNode } from '@app/runtime/supported-node.js';

exitUnlessSupportedNode('weft router');
await import('./bootstrap.js');
