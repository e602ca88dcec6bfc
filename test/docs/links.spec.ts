// The docs' relative links lead somewhere (file and #anchor); every docs page is reachable from README.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { checkedMarkdownFiles, doc, markdownUnder, ROOT } from './doc-files.js';

/** `https:`, `mailto:` and the like: not checked here (the tests stay off the network). */
const EXTERNAL = /^([a-z][a-z0-9+.-]*:|\/\/)/i;
/** Present in a checkout after a build, absent on GitHub: a link there would be dead for readers. */
const NOT_PUBLISHED = ['dist/', 'node_modules/', 'coverage/'];

interface Resolved {
  /** Path relative to ROOT (the linking file itself for `#anchor` alone). */
  readonly path: string;
  readonly anchor: string | undefined;
}

/** Where a relative link in `from` points, or undefined for an external one. */
function resolveLink(from: string, target: string): Resolved | undefined {
  if (EXTERNAL.test(target)) return undefined;
  const hash = target.indexOf('#');
  const file = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  if (file === '') return { path: from, anchor };
  const abs = file.startsWith('/') ? join(ROOT, file) : join(ROOT, dirname(from), file);
  return { path: normalize(relative(ROOT, abs)), anchor };
}

/** What is wrong with one link, or undefined when it leads somewhere. */
function problemOf(from: string, target: string): string | undefined {
  const to = resolveLink(from, target);
  if (!to) return undefined;
  if (to.path.startsWith('..')) return `leads outside the repository (${to.path})`;
  if (NOT_PUBLISHED.some((prefix) => `${to.path}/`.startsWith(prefix)))
    return `leads into ${to.path}, which is built or installed, not in the repository`;
  if (!existsSync(join(ROOT, to.path))) return `no such file: ${to.path}`;
  if (to.anchor === undefined || !to.path.endsWith('.md')) return undefined;
  const anchors = doc(to.path).anchors;
  if (anchors.has(to.anchor)) return undefined;
  return `no heading in ${to.path} has the anchor #${to.anchor} (its anchors: ${[...anchors].join(', ')})`;
}

/** The Markdown page a link opens: a .md file, or a folder's README.md (GitHub shows it). */
function pageOf(from: string, target: string): string | undefined {
  const to = resolveLink(from, target);
  if (!to || !existsSync(join(ROOT, to.path))) return undefined;
  if (to.path.endsWith('.md')) return to.path;
  const readme = join(to.path, 'README.md');
  return statSync(join(ROOT, to.path)).isDirectory() && existsSync(join(ROOT, readme))
    ? readme
    : undefined;
}

describe('documentation links', () => {
  it('has docs to check', () => {
    expect(markdownUnder('docs').length).toBeGreaterThan(0);
  });

  it.each(checkedMarkdownFiles())(
    '%s: every relative link leads to a file and anchor that exist',
    (file) => {
      const problems = doc(file)
        .links.map((link) => {
          const problem = problemOf(file, link.target);
          return problem && `${file}:${link.line}: link "${link.target}": ${problem}`;
        })
        .filter((p) => p !== undefined);
      expect(problems).toEqual([]);
    },
  );

  it('reaches every page under docs/ from README.md by following links', () => {
    const reached = new Set<string>(['README.md']);
    const queue = ['README.md'];
    for (let page = queue.shift(); page !== undefined; page = queue.shift()) {
      for (const link of doc(page).links) {
        const next = pageOf(page, link.target);
        if (next && !reached.has(next)) {
          reached.add(next);
          queue.push(next);
        }
      }
    }
    const unreachable = markdownUnder('docs')
      .filter((page) => !reached.has(page))
      .map(
        (page) =>
          `${page} is not linked from README.md, nor from a page it links to: add it to docs/README.md`,
      );
    expect(unreachable).toEqual([]);
  });
});
