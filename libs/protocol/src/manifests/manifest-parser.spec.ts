// Unit spec for parseManifests: multi-document YAML, JSON arrays, `kind: List`, empty documents, syntax errors.
import { describe, expect, it } from '@jest/globals';
import type { Result } from '../field-error.js';
import { MAX_MANIFEST_NESTING, parseManifests } from './manifest-parser.js';

function items(result: Result<unknown[]>): unknown[] {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const names = (list: unknown[]) =>
  list.map((i) => (i as { metadata?: { name?: string } }).metadata?.name);

describe('parseManifests', () => {
  it('splits multi-document YAML into one item per document, in order', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: reviews }',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: ratings',
      '  labels: { tier: backend }',
    ].join('\n');
    const list = items(parseManifests(text, 'body'));
    expect(list).toEqual([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews' } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ratings', labels: { tier: 'backend' } },
      },
    ]);
  });

  it('parses a single JSON object', () => {
    const list = items(parseManifests('{"kind":"Service","metadata":{"name":"a"}}', 'body'));
    expect(names(list)).toEqual(['a']);
  });

  it('expands a JSON array into its items', () => {
    const json = JSON.stringify([
      { kind: 'Service', metadata: { name: 'a' } },
      { kind: 'HTTPRoute', metadata: { name: 'b' } },
    ]);
    expect(names(items(parseManifests(json, 'body')))).toEqual(['a', 'b']);
  });

  it('expands a kind: List, also nested in another document', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - { kind: Service, metadata: { name: a } }',
      '  - { kind: Service, metadata: { name: b } }',
      '---',
      'kind: Service',
      'metadata: { name: c }',
    ].join('\n');
    expect(names(items(parseManifests(text, 'body')))).toEqual(['a', 'b', 'c']);
  });

  it('keeps a kind: List without an items array as one (invalid) item for the validator', () => {
    const list = items(parseManifests('kind: List\nmetadata: { name: x }', 'body'));
    expect(list).toEqual([{ kind: 'List', metadata: { name: 'x' } }]);
  });

  it('drops empty documents and comment-only documents', () => {
    const text = [
      '---',
      '# nothing here',
      '---',
      'kind: Service',
      'metadata: { name: a }',
      '---',
      '---',
    ].join('\n');
    expect(names(items(parseManifests(text, 'body')))).toEqual(['a']);
  });

  it('yields no items for empty input', () => {
    expect(items(parseManifests('', 'body'))).toEqual([]);
    expect(items(parseManifests('\n# only a comment\n', 'body'))).toEqual([]);
  });

  it('names the document with a YAML syntax error by its 1-based number', () => {
    const text = ['kind: Service', '---', 'kind: [unclosed', '---', 'kind: Service'].join('\n');
    const result = parseManifests(text, 'mesh.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.length).toBeGreaterThan(0);
    for (const error of result.errors) {
      expect(error.resource).toBe('mesh.yaml document 2');
      expect(error.message).toMatch(/^invalid YAML: /);
    }
  });

  it('names a single-document error by its origin alone', () => {
    const result = parseManifests('kind: Service\n  metadata: : x', 'body');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].resource).toBe('body');
  });

  it('rejects a mapping with a duplicate key', () => {
    const result = parseManifests('kind: Service\nkind: HTTPRoute', 'body');
    expect(result.ok).toBe(false);
  });
  describe('resource-exhaustion attacks (refused with an error, never a crash or a stall)', () => {
    const messages = (result: Result<unknown[]>) =>
      result.ok ? [] : result.errors.map((e) => e.message);

    it('a billion-laughs alias bomb', () => {
      const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 8; i++) {
        const prev = String.fromCharCode(96 + i);
        const name = String.fromCharCode(97 + i);
        levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
      }
      expect(messages(parseManifests(levels.join('\n'), 'body'))).toEqual([
        expect.stringMatching(/^invalid YAML: .*alias/i),
      ]);
    });

    it.each([
      ['100,000 nested JSON arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
      ['20,000 nested JSON objects', '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)],
    ])('%s', (_what, text) => {
      expect(messages(parseManifests(text, 'body'))).toEqual([
        `collections nest deeper than ${MAX_MANIFEST_NESTING} levels`,
      ]);
    });

    it('accepts nesting up to the bound, and brackets inside strings and block scalars', () => {
      const deep = '['.repeat(MAX_MANIFEST_NESTING) + ']'.repeat(MAX_MANIFEST_NESTING);
      expect(parseManifests(deep, 'body').ok).toBe(true);
      const text = `kind: Service\nmetadata: { name: "a[[[[" }\nnote: |\n  ${'['.repeat(200)}\n`;
      expect(names(items(parseManifests(text, 'body')))).toEqual(['a[[[[']);
    });
  });
});
