import { crossOriginWrite } from './cross-origin-write.js';

const OWN = 'http://127.0.0.1:15010';

describe('crossOriginWrite', () => {
  it('takes a write without browser headers (curl, the CLI) and from the API own origin', () => {
    expect(crossOriginWrite({}, OWN)).toBeUndefined();
    expect(crossOriginWrite({ origin: OWN, 'sec-fetch-site': 'same-origin' }, OWN)).toBeUndefined();
    expect(crossOriginWrite({ origin: 'HTTP://127.0.0.1:15010' }, OWN)).toBeUndefined();
    expect(crossOriginWrite({ 'sec-fetch-site': 'none' }, OWN)).toBeUndefined();
  });

  it.each([
    [{ origin: 'http://evil.example' }],
    [{ origin: 'http://127.0.0.1:8080' }],
    [{ origin: 'https://127.0.0.1:15010' }],
    [{ origin: 'null' }],
    [{ 'sec-fetch-site': 'cross-site' }],
    [{ 'sec-fetch-site': 'same-site' }],
    [{ origin: OWN, 'sec-fetch-site': 'cross-site' }],
  ])('refuses %j', (headers) => {
    expect(crossOriginWrite(headers, OWN)).toMatch(/another site|cross-origin/);
  });

  it('refuses any Origin when the request named no Host', () => {
    expect(crossOriginWrite({ origin: OWN }, undefined)).toBeDefined();
  });
});
