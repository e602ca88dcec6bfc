// docs/reference/admin-api.md against the Nest controllers: every HTTP route the components serve.
import { doc } from './doc-files.js';
import { MarkdownDocument } from './markdown-document.js';
import { sourceFiles } from './source-files.js';

const PAGE = 'docs/reference/admin-api.md';
const ROUTE = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*)$/;

/** `METHOD /path/:param` of every route decorator in the controllers of apps/ and libs/, with its file. */
function routesInCode(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const { path, text } of sourceFiles(['apps', 'libs'], /\.controller\.ts$/)) {
    const prefix = /@Controller\(\s*(?:'([^']*)')?\s*\)/.exec(text)?.[1] ?? '';
    for (const m of text.matchAll(/@(Get|Post|Put|Patch|Delete|Sse)\(\s*(?:'([^']*)')?\s*\)/g)) {
      const method = m[1] === 'Sse' ? 'GET' : m[1].toUpperCase();
      const route = `/${[prefix, m[2] ?? ''].filter(Boolean).join('/')}`;
      routes.set(`${method} ${route}`, path);
    }
  }
  return routes;
}

/** `GET /v1/resources[?kind=]`, `DELETE /v1/resources/<kind>/…` as the code names them. */
function normalize(code: string): string | undefined {
  const route = code.replace(/\[?\?.*$/, '').replace(/<([a-z]+)>/gi, ':$1');
  return ROUTE.test(route) ? route : undefined;
}

describe(PAGE, () => {
  const documented = new Map<string, number>();
  for (const table of doc(PAGE).tables)
    for (const row of table.rows)
      for (const code of MarkdownDocument.codeIn(row.cells[0] ?? '')) {
        const route = normalize(code);
        if (route) documented.set(route, row.line);
      }

  it('lists every route the controllers serve', () => {
    const routes = routesInCode();
    expect(routes.size).toBeGreaterThan(0);
    const missing = [...routes]
      .filter(([route]) => !documented.has(route))
      .map(
        ([route, file]) =>
          `${PAGE}: add a row for \`${route.replace(/:(\w+)/g, '<$1>')}\` (${file})`,
      );
    expect(missing).toEqual([]);
  });

  it('lists no route that nothing serves', () => {
    const routes = routesInCode();
    const extra = [...documented]
      .filter(([route]) => !routes.has(route))
      .map(([route, line]) => `${PAGE}:${line}: no controller serves ${route}: remove the row`);
    expect(extra).toEqual([]);
  });
});
