import { SUBJECT_TOKEN } from '@app/protocol';
import { ExchangeTokens } from './exchange-tokens.js';

describe('ExchangeTokens', () => {
  it('hands out distinct subject-safe tokens that do not follow from one another', () => {
    const tokens = new ExchangeTokens();
    const seen = Array.from({ length: 2_000 }, () => tokens.next());
    expect(new Set(seen).size).toBe(seen.length);
    for (const t of seen.slice(0, 50)) expect(t).toMatch(SUBJECT_TOKEN);
    expect(seen[0]).toHaveLength(16);
  });
});
