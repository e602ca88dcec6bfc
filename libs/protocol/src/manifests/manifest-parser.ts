// Splits a request body or file (multi-document YAML, JSON object, array or `List`) into raw resources.
import { Composer, Lexer, LineCounter, Parser, type YAMLError } from 'yaml';
import { fail, ok, type FieldError, type Result } from '../field-error.js';
import { runToEnd, type Stepwise } from '../stepwise.js';

/**
 * Flow collections (`[`, `{`) nested deeper than any resource is: refused before the YAML parser
 * recurses into them (a 20,000-deep JSON map exhausts its memory; 100,000 brackets stall it for seconds).
 */
export const MAX_MANIFEST_NESTING = 64;

/** Aliases expanded per document: more is a billion-laughs bomb, refused as the yaml library does. */
const MAX_ALIAS_COUNT = 100;

export function parseManifests(text: string, origin: string): Result<unknown[]> {
  return runToEnd(parsingManifests(text, origin));
}

/** Lexer tokens between pauses of the nesting check. */
const TOKENS_PER_STEP = 2_048;

/**
 * `parseManifests` in steps: it pauses after every document and every few thousand tokens of the
 * nesting check, so a 10,000-document body never holds a caller's event loop for long.
 */
export function* parsingManifests(text: string, origin: string): Stepwise<Result<unknown[]>> {
  const tooDeep = yield* nestingProblem(text);
  if (tooDeep) return fail([{ resource: origin, path: '', message: tooDeep }]);
  const lines = new LineCounter();
  const docs = new Composer().compose(new Parser(lines.addNewLine).parse(text));
  const items: unknown[] = [];
  /** Errors by 1-based document number: named once the number of documents is known. */
  const errors: { doc: number; message: string }[] = [];
  let count = 0;
  for (const doc of docs) {
    const n = ++count;
    const invalid = (message: string) =>
      errors.push({ doc: n, message: `invalid YAML: ${message}` });
    if (doc.errors.length > 0) for (const e of doc.errors) invalid(located(e, lines));
    else {
      try {
        items.push(...flatten(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown));
      } catch (err) {
        // The alias bound: "Excessive alias count indicates a resource exhaustion attack".
        invalid((err as Error).message);
      }
    }
    yield;
  }
  if (errors.length === 0) return ok(items);
  return fail(
    errors.map(({ doc, message }): FieldError => {
      const resource = count > 1 ? `${origin} document ${doc}` : origin;
      return { resource, path: '', message };
    }),
  );
}

/** A YAML error's message with where it is, as the yaml library's own parse functions say it. */
function located(error: YAMLError, lines: LineCounter): string {
  if (error.pos[0] === -1) return error.message;
  const { line, col } = lines.linePos(error.pos[0]);
  return `${error.message} at line ${line}, column ${col}`;
}

/** Why the text nests too deep, found by the YAML lexer (linear, and it stops at the first excess). */
function* nestingProblem(text: string): Stepwise<string | undefined> {
  let depth = 0;
  let tokens = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_MANIFEST_NESTING)
        return `collections nest deeper than ${MAX_MANIFEST_NESTING} levels`;
    } else if (token === ']' || token === '}') depth--;
    if (++tokens % TOKENS_PER_STEP === 0) yield;
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
