// Splits a request body or file (multi-document YAML, JSON object, array or `List`) into raw resources.
import { parseAllDocuments } from 'yaml';
import { fail, ok, type FieldError, type Result } from '../field-error.js';

export function parseManifests(text: string, origin: string): Result<unknown[]> {
  const docs = parseAllDocuments(text);
  const items: unknown[] = [];
  const errors: FieldError[] = [];
  docs.forEach((doc, i) => {
    const where = docs.length > 1 ? `${origin} document ${i + 1}` : origin;
    if (doc.errors.length > 0) {
      errors.push(
        ...doc.errors.map((e) => ({
          resource: where,
          path: '',
          message: `invalid YAML: ${e.message}`,
        })),
      );
      return;
    }
    items.push(...flatten(doc.toJS() as unknown));
  });
  return errors.length > 0 ? fail(errors) : ok(items);
}

/** Empty documents vanish; arrays and `kind: List` expand to their items. */
function flatten(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(flatten);
  const list = value as { kind?: unknown; items?: unknown };
  if (list.kind === 'List' && Array.isArray(list.items)) return list.items.flatMap(flatten);
  return [value];
}
