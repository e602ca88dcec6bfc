// The Nest CLI's rspack build (its defaults, nest-cli.json "builder": "rspack") with swc targeting
// ES2022, as the unit tests' swc does (jest.config.js): class fields stay native fields. The CLI's
// defaults target ES2021, which defines every field of every object, the per-request ones
// included, through swc's `_define_property` helper (0.8 % of the 1-hop row's CPU, issue 14).

/** A rule's swc-loader options with the ES2022 target; any other rule as it was. */
function es2022(rule) {
  const use = rule.use?.map((entry) =>
    entry.loader === 'builtin:swc-loader'
      ? {
          ...entry,
          options: { ...entry.options, jsc: { ...entry.options.jsc, target: 'es2022' } },
        }
      : entry,
  );
  return use ? { ...rule, use } : rule;
}

export default (defaults) => ({
  module: { ...defaults.module, rules: defaults.module.rules.map(es2022) },
});
