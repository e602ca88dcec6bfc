// What config may put on the wire as HTTP (RFC 9110/9112): header names, header values and request paths.
// A value with CR, LF or NUL would split or break the request it is written into: refused at apply.

/** A header name: an RFC 9110 token. */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
export const HEADER_NAME_MESSAGE = 'must be an HTTP header name';

/** A header value (RFC 9110 field-value): visible ASCII, spaces, tabs and obs-text (Latin-1), nothing else. */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
export const HEADER_VALUE_MESSAGE =
  'must be an HTTP header value: no CR, LF, NUL or other control characters, nothing beyond Latin-1';

/** A path written into a request line: `/` then printable ASCII without spaces (percent-encode the rest). */
export const REQUEST_PATH = /^\/[!-~]*$/;
export const REQUEST_PATH_MESSAGE =
  'must start with "/" and hold only printable ASCII without spaces (percent-encode the rest)';
