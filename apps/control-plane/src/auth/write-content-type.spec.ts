import { unsupportedWriteType } from './write-content-type.js';

describe('unsupportedWriteType', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/yaml',
    'Application/X-YAML',
    'text/yaml',
  ])('takes a POST of %s', (type) => {
    expect(unsupportedWriteType('POST', { 'content-type': type })).toBeUndefined();
  });

  it.each([
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ])('refuses what a form sends: %s', (type) => {
    expect(unsupportedWriteType('POST', { 'content-type': type, 'content-length': '5' })).toMatch(
      /needs a JSON or YAML body/,
    );
  });

  it('refuses a POST without a content type, body or not (a form can post an empty one)', () => {
    expect(unsupportedWriteType('POST', {})).toContain('not none');
    expect(unsupportedWriteType('PUT', { 'content-length': '0' })).toBeDefined();
  });

  it('takes a DELETE without a body, and refuses one with a form body', () => {
    expect(unsupportedWriteType('DELETE', {})).toBeUndefined();
    expect(unsupportedWriteType('DELETE', { 'content-length': '0' })).toBeUndefined();
    expect(
      unsupportedWriteType('DELETE', {
        'transfer-encoding': 'chunked',
        'content-type': 'text/plain',
      }),
    ).toBeDefined();
  });
});
