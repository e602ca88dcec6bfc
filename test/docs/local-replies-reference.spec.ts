// docs/troubleshooting.md against the proxy's own replies: every `x-weft-error` code with its status.
import { LOCAL_REPLY_STATUS } from '@app/dataplane/http/local-reply.js';
import { doc } from './doc-files.js';
import { MarkdownDocument } from './markdown-document.js';

const PAGE = 'docs/troubleshooting.md';
const SECTION = 'Replies the proxy makes itself';
const SOURCE = 'libs/dataplane/src/http/local-reply.ts';

describe(`${PAGE}, "${SECTION}"`, () => {
  const rows = doc(PAGE)
    .rowsUnder(SECTION)
    .map((row) => ({ row, codes: MarkdownDocument.codeIn(row.cells[1] ?? '') }));

  it.each(Object.entries(LOCAL_REPLY_STATUS))('lists %s with its status %d', (reason, status) => {
    const found = rows.find((r) => r.codes.includes(reason));
    if (!found)
      throw new Error(
        `${PAGE}, ${SECTION}: add a row | ${status} | \`${reason}\` | when the proxy sends it | what to do | (${SOURCE})`,
      );
    expect(`${found.row.cells[0]} (${PAGE}:${found.row.line})`).toMatch(
      new RegExp(`^${status}\\b`),
    );
  });

  it('lists no code the proxy does not send', () => {
    const extra = rows.flatMap(({ row, codes }) =>
      codes
        .filter((c) => !Object.hasOwn(LOCAL_REPLY_STATUS, c))
        .map((c) => `${PAGE}:${row.line}: ${c} is no x-weft-error code (${SOURCE})`),
    );
    expect(extra).toEqual([]);
  });
});
