// docs/reference/cli.md against the `weft` command tree: every command, argument and option, none extra.
import type { Command, Option } from 'commander';
import { program } from '../../apps/cli/src/cli-program.js';
import { doc } from './doc-files.js';
import { MarkdownDocument } from './markdown-document.js';

const PAGE = 'docs/reference/cli.md';
const GLOBAL = 'Global options';

/** The options a table documents: the `--long` flags of its first cells. */
function documentedFlags(marker: string): Set<string> {
  const flags = doc(PAGE)
    .rowsUnder(marker)
    .flatMap((row) => MarkdownDocument.codeIn(row.cells[0] ?? ''))
    .flatMap((code) => code.match(/--[a-z][a-z-]*/g) ?? []);
  return new Set(flags);
}

/** How a command's options are named: their long flag, else the short one. */
function flagOf(option: Option): string {
  return option.long ?? option.short ?? option.flags;
}

describe(PAGE, () => {
  const weft = program();
  const page = doc(PAGE);

  it(`documents the global options under "${GLOBAL}"`, () => {
    const listed = documentedFlags(GLOBAL);
    const options = weft.options.map(flagOf);
    const missing = options
      .filter((f) => !listed.has(f))
      .map((f) => `${PAGE}, ${GLOBAL}: add a row for ${f} (apps/cli/src/cli-program.ts)`);
    const extra = [...listed]
      .filter((f) => f !== '--help' && !options.includes(f))
      .map((f) => `${PAGE}, ${GLOBAL}: ${f} is no global option of weft: remove the row`);
    expect([...missing, ...extra]).toEqual([]);
  });

  it.each(weft.commands.map((c): [string, Command] => [c.name(), c]))(
    'documents `weft %s`, its arguments and every option',
    (name, command) => {
      const marker = `\`weft ${name}\``;
      if (!page.heading(marker)) {
        throw new Error(
          `${PAGE}: no section for weft ${name}: add a heading "### ${marker}" with its usage and a table of its options`,
        );
      }
      const text = page.sectionText(marker);
      const problems: string[] = [];
      for (const arg of command.registeredArguments) {
        if (!new RegExp(`\\b${arg.name()}\\b`, 'i').test(text))
          problems.push(`${PAGE}, weft ${name}: say what its argument ${arg.name()} is`);
      }
      const listed = documentedFlags(marker);
      const options = command.options.map(flagOf);
      for (const flag of options.filter((f) => !listed.has(f)))
        problems.push(`${PAGE}, weft ${name}: add a row for its option ${flag}`);
      for (const flag of [...listed].filter((f) => f !== '--help' && !options.includes(f)))
        problems.push(
          `${PAGE}, weft ${name}: ${flag} is no option of weft ${name}: remove the row`,
        );
      expect(problems).toEqual([]);
    },
  );

  it('documents no command weft does not have', () => {
    const names = new Set(weft.commands.map((c) => c.name()));
    const extra = page.headings
      .map((h) => /^`weft ([a-z-]+)`/.exec(h.text)?.[1])
      .filter((n) => n !== undefined && !names.has(n))
      .map((n) => `${PAGE}: weft ${n} is no command: remove its section`);
    expect(extra).toEqual([]);
  });
});
