// Splits a request body or file (multi-document YAML, JSON object, array or `List`) into raw resources.
import { Lexer, parseAllDocuments } from 'yaml';
import { fail, ok, type FieldError, type Result } from '../field-error.js';

/**
 * Flow collections (`[`, `{`) nested deeper than any resource is: refused before the YAML parser
 * recurses into them (a 20,000-deep JSON map exhausts its memory; 100,000 brackets stall it for seconds).
 */
export const MAX_MANIFEST_NESTING = 64;

/** Aliases expanded per document: more is a billion-laughs bomb, refused as the yaml library does. */
const MAX_ALIAS_COUNT = 100;

export function parseManifests(text: string, origin: string): Result<unknown[]> {
  const tooDeep = nestingProblem(text);
  if (tooDeep) return fail([{ resource: origin, path: '', message: tooDeep }]);
  const docs = parseAllDocuments(text);
  const items: unknown[] = [];
  const errors: FieldError[] = [];
  docs.forEach((doc, i) => {
    const where = docs.length > 1 ? `${origin} document ${i + 1}` : origin;
    const invalid = (message: string) =>
      errors.push({ resource: where, path: '', message: `invalid YAML: ${message}` });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) invalid(e.message);
      return;
    }
    try {
      items.push(...flatten(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown));
    } catch (err) {
      // The alias bound: "Excessive alias count indicates a resource exhaustion attack".
      invalid((err as Error).message);
    }
  });
  return errors.length > 0 ? fail(errors) : ok(items);
}

/** Why the text nests too deep, found by the YAML lexer (linear, and it stops at the first excess). */
function nestingProblem(text: string): string | undefined {
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_MANIFEST_NESTING)
        return `collections nest deeper than ${MAX_MANIFEST_NESTING} levels`;
    } else if (token === ']' || token === '}') depth--;
  }
  return undefined;
}

/** Empty documents vanish; arrays and `kind: List` expand to their items. */
function flatten(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(flatten);
  const list = value as { kind?: unknown; items?: unknown };
  if (list.kind === 'List' && Array.isArray(list.items)) return list.items.flatMap(flatten);
  return [value];
}
