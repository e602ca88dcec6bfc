// lineDiff: kept, removed and added lines in order.
import { describe, expect, it } from '@jest/globals';
import { lineDiff } from './text-diff.js';

describe('lineDiff', () => {
  it('marks a changed line as removed then added, keeping the rest', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toEqual(['  a', '- b', '+ B', '  c']);
  });

  it('handles additions at the end and removals at the start', () => {
    expect(lineDiff('x\ny', 'y\nz')).toEqual(['- x', '  y', '+ z']);
  });

  it('is all kept lines for equal texts', () => {
    expect(lineDiff('p\nq', 'p\nq')).toEqual(['  p', '  q']);
  });
});
