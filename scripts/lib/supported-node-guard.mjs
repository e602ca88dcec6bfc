// Imported first by every script a user runs (the demo, the examples, the build): an unsupported
// Node.js gets one clear message, before anything else loads.
import { exitUnlessSupportedNode } from '../../libs/runtime/src/supported-node.js';

exitUnlessSupportedNode('weft');
