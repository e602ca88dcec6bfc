// `apply -f` sources: files, folders (sorted, manifests only), stdin; YAML errors name the file.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error.js';
import { parseSources, readSources } from './manifest-sources.js';

describe('readSources', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-cli-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads a folder’s *.yaml, *.yml and *.json sorted by name, skipping other files and folders', async () => {
    await writeFile(join(dir, 'b.yml'), 'b: 1');
    await writeFile(join(dir, 'a.json'), '{"a": 1}');
    await writeFile(join(dir, 'c.YAML'), 'c: 1');
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
    await mkdir(join(dir, 'sub.yaml'));
    const sources = await readSources([dir]);
    expect(sources.map((s) => s.name)).toEqual(
      ['a.json', 'b.yml', 'c.YAML'].map((f) => join(dir, f)),
    );
  });

  it('keeps the order of -f and reads stdin for -', async () => {
    await writeFile(join(dir, 'x.yaml'), 'x: 1');
    const sources = await readSources(['-', join(dir, 'x.yaml')], async () => 'from: stdin');
    expect(sources.map((s) => s.text)).toEqual(['from: stdin', 'x: 1']);
  });

  it('names a missing file, an empty folder, and a second stdin', async () => {
    await expect(readSources([join(dir, 'nope.yaml')])).rejects.toThrow(
      `cannot read ${join(dir, 'nope.yaml')}: no such file or directory`,
    );
    await expect(readSources([dir])).rejects.toThrow(`no *.yaml, *.yml or *.json files in ${dir}`);
    await expect(readSources(['-', '-'])).rejects.toThrow(/only once/);
  });
});

describe('parseSources', () => {
  it('returns every non-empty document of every source, in order', () => {
    const docs = parseSources([
      { name: 'a.yaml', text: '---\na: 1\n---\n---\nb: 2\n' },
      { name: 'c.json', text: '[{"c": 3}]' },
    ]);
    expect(docs).toEqual([{ a: 1 }, { b: 2 }, [{ c: 3 }]]);
  });

  it('reports a syntax error with the file and line, before anything is sent', () => {
    let error: unknown;
    try {
      parseSources([
        { name: 'ok.yaml', text: 'a: 1' },
        { name: 'bad.yaml', text: 'a: [\n' },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).details).toEqual([
      expect.stringMatching(/^bad\.yaml: invalid YAML: .* at line \d+, column \d+$/),
    ]);
  });
});
