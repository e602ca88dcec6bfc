// Unit spec for the process limits the overload manager's defaults derive from.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileLimit } from './process-limits.js';

describe('openFileLimit', () => {
  it('reads the soft limit of open files from a /proc/<pid>/limits table', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'limits-')), 'limits');
    writeFileSync(
      file,
      [
        'Limit                     Soft Limit           Hard Limit           Units     ',
        'Max processes             63414                63414                processes ',
        'Max open files            1024                 524288               files     ',
      ].join('\n'),
    );
    expect(openFileLimit(file)).toBe(1024);
  });

  it('is undefined where there is no such table', () => {
    expect(openFileLimit('/nonexistent/limits')).toBeUndefined();
  });
});
