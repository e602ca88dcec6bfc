// Tables, relative times and list shortening as the CLI prints them.
import { ago, formatTable, labelList, shortList, toJson, toYaml } from './output.js';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      formatTable(
        ['NAME', 'SELECTOR'],
        [
          ['b-v1', 'app=b'],
          ['b', '—'],
        ],
      ),
    ).toEqual(['NAME   SELECTOR', 'b-v1   app=b', 'b      —']);
  });

  it('leaves no trailing blanks when the last cell is empty', () => {
    expect(formatTable(['A', 'B'], [['x', '']])).toEqual(['A   B', 'x']);
  });
});

describe('ago', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  it.each([
    ['2025-01-01T11:59:58Z', '2s ago'],
    ['2025-01-01T12:00:03Z', '0s ago'],
    ['2025-01-01T11:55:00Z', '5m ago'],
    ['2025-01-01T09:00:00Z', '3h ago'],
    ['2024-12-30T12:00:00Z', '2d ago'],
    ['not a time', '—'],
  ])('%s → %s', (iso, expected) => expect(ago(iso, now)).toBe(expected));
});

describe('lists', () => {
  it('sorts labels by key', () =>
    expect(labelList({ version: 'v1', app: 'b' })).toBe('app=b,version=v1'));
  it('shows no labels as a dash', () => expect(labelList({})).toBe('—'));
  it('shortens long lists like kubectl', () =>
    expect(shortList(['a', 'b', 'c', 'd', 'e'], 3)).toBe('a,b,c + 2 more...'));
});

describe('documents', () => {
  it('separates YAML documents so the output applies again', () => {
    expect(toYaml([{ a: 1 }, { b: 2 }])).toBe('a: 1\n---\nb: 2\n');
  });

  it('prints one JSON object, or a List of several', () => {
    expect(JSON.parse(toJson([{ a: 1 }], true))).toEqual({ a: 1 });
    expect(JSON.parse(toJson([{ a: 1 }], false))).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ a: 1 }],
    });
  });
});
