// Unit spec for the process limits the overload manager's defaults derive from.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileLimit } from './process-limits.js';

describe('openFileLimit', () => {
  it('reads the soft limit of open files from a /proc/<pid>/limits table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-limits-'));
    const file = join(dir, 'limits');
    writeFileSync(
      file,
      [
        'Limit                     Soft Limit           Hard Limit           Units     ',
        'Max processes             63414                63414                processes ',
        'Max open files            1024                 524288               files     ',
      ].join('\n'),
    );
    try {
      expect(openFileLimit(file)).toBe(1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is undefined where there is no such table', () => {
    expect(openFileLimit('/nonexistent/limits')).toBeUndefined();
  });
});
