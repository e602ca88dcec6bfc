// Bundles the TypeScript bench processes (bench/sim/*.ts) with the Nest CLI's own rspack defaults
// and the project's changes to them (rspack.config.js), so they import the real @app/* libraries
// exactly as the apps do.
import { join } from 'node:path';
import rspack from '@rspack/core';
import { rspackDefaultsFactory } from '@nestjs/cli/lib/compiler/defaults/rspack-defaults.js';
import projectConfig from '../../rspack.config.js';

/** Builds bench/sim/<name>.ts for each name into `outDir/<name>.mjs`; resolves to those paths. */
export async function buildSim(root, names, outDir) {
  const defaults = rspackDefaultsFactory(
    join(root, 'bench/sim'),
    '',
    'unused',
    false,
    join(root, 'tsconfig.json'),
    {},
    true,
  );
  // As the Nest CLI merges a project's rspack.config.js into its defaults.
  const base = { ...defaults, ...projectConfig(defaults) };
  const config = {
    ...base,
    context: root,
    entry: Object.fromEntries(names.map((name) => [name, join(root, `bench/sim/${name}.ts`)])),
    output: { ...base.output, path: outDir, filename: '[name].mjs' },
    // The type check runs in `npm run lint`; here it would only slow the bench down.
    plugins: base.plugins.filter((p) => p.constructor.name !== 'ForkTsCheckerWebpackPlugin'),
  };
  const stats = await new Promise((resolve, reject) =>
    rspack(config, (err, result) => (err ? reject(err) : resolve(result))),
  );
  if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
  return Object.fromEntries(names.map((name) => [name, join(outDir, `${name}.mjs`)]));
}
