// docs/reference/resources/*.md against the resource classes: every field of every kind, none extra.
import * as protocol from '@app/protocol';
import { WorkloadSpec } from '../../apps/sidecar/src/workloads/workload-spec.dto.js';
import { doc } from './doc-files.js';
import { MarkdownDocument } from './markdown-document.js';
import { fieldPaths } from './resource-fields.js';

const DIR = 'docs/reference/resources';
const COMMON = `${DIR}/README.md`;
const METADATA = 'metadata';
/** Field paths a kind page documents: first cells such as `spec.rules[].matches[].path.type`. */
const FIELD = /^(apiVersion|kind|metadata|spec)(\b|\[)/;

/** The field paths in the first cells of the tables under `marker` (or the whole page). */
function documentedPaths(page: string, marker?: string): Set<string> {
  const d = doc(page);
  const rows = marker === undefined ? d.tables.flatMap((t) => t.rows) : d.rowsUnder(marker);
  return new Set(
    rows.flatMap((r) => MarkdownDocument.codeIn(r.cells[0] ?? '')).filter((c) => FIELD.test(c)),
  );
}

/** Differences between the fields a class has and those a page lists, as instructions. */
function compare(where: string, source: string, actual: string[], listed: Set<string>): string[] {
  return [
    ...actual
      .filter((p) => !listed.has(p))
      .map((p) => `${where}: add a row for \`${p}\` (${source})`),
    ...[...listed]
      .filter((p) => !actual.includes(p))
      .map((p) => `${where}: \`${p}\` is no field of ${source}: remove or rename the row`),
  ];
}

describe('resource reference', () => {
  it.each(protocol.RESOURCE_KINDS.map((k) => [k]))('%s: its page lists every field', (kind) => {
    const cls = (protocol as unknown as Record<string, new () => object>)[kind];
    const page = `${DIR}/${kind.toLowerCase()}.md`;
    const fields = fieldPaths(cls).filter((p) => !p.startsWith(`${METADATA}.`));
    const listed = new Set([...documentedPaths(page)].filter((p) => !p.startsWith(`${METADATA}.`)));
    expect(compare(page, `the ${kind} class in libs/protocol`, fields, listed)).toEqual([]);
  });

  it('lists the metadata fields every kind shares', () => {
    const fields = fieldPaths(protocol.ObjectMeta, `${METADATA}.`);
    const listed = documentedPaths(COMMON, 'Metadata');
    expect(compare(`${COMMON}, Metadata`, 'ObjectMeta', fields, listed)).toEqual([]);
  });

  it('lists every field of a node proxy workload', () => {
    const page = 'docs/patterns/node-proxy.md';
    const listed = new Set(
      doc(page)
        .rowsUnder('Workload list')
        .flatMap((r) => MarkdownDocument.codeIn(r.cells[0] ?? '').slice(0, 1)),
    );
    expect(
      compare(`${page}, Workload list`, 'WorkloadSpec', fieldPaths(WorkloadSpec), listed),
    ).toEqual([]);
  });
});
