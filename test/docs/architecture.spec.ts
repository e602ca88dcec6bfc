// docs/architecture.md against pipeline.ts: every module the request path composes is linked.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ROOT, doc } from './doc-files.js';

const PAGE = 'docs/architecture.md';
const PIPELINE = 'libs/dataplane/src/pipeline.ts';

describe(PAGE, () => {
  it(`links every module ${PIPELINE} composes, and the pipeline itself`, () => {
    const linked = new Set(
      doc(PAGE).links.map((l) =>
        normalize(relative(ROOT, join(ROOT, dirname(PAGE), l.target.split('#')[0]))),
      ),
    );
    const imported = [
      ...readFileSync(join(ROOT, PIPELINE), 'utf8').matchAll(/from '(\.[^']+)\.js'/g),
    ].map((m) => normalize(join(dirname(PIPELINE), `${m[1]}.ts`)));
    const missing = [PIPELINE, ...imported]
      .filter((file) => !linked.has(file))
      .map((file) => `${PAGE}: the request path uses ${file}: add it to the request path table`);
    expect(missing).toEqual([]);
  });
});
