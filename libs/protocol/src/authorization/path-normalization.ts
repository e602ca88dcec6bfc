// The request path authorization matches on: RFC 3986 normalized, backslashes and repeated slashes
// merged (Istio's MERGE_SLASHES option), so `/a/../admin`, `/%61dmin` and `//admin` are `/admin`.

/** RFC 3986 §2.3 unreserved characters: percent-encoding them changes nothing, so they are decoded. */
function isUnreserved(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2d || // -
    code === 0x2e || // .
    code === 0x5f || // _
    code === 0x7e // ~
  );
}

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;
const QUESTION = 0x3f;
const HASH = 0x23;

/** Where the path of a request target ends: at its query (`?`) or fragment (`#`), else its length. */
export function pathEnd(target: string): number {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === QUESTION || c === HASH) return i;
  }
  return target.length;
}

/**
 * Whether `target`'s path (up to `end`) may change under `normalizePath`: it holds a percent sign,
 * a backslash, or a slash followed by a dot or a slash. Most paths hold none, and are matched as
 * they are (no copy made).
 */
export function mayNeedNormalizing(target: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = target.charCodeAt(i);
    if (c === PERCENT || c === BACKSLASH) return true;
    if (c === SLASH && i + 1 < end) {
      const next = target.charCodeAt(i + 1);
      if (next === SLASH || next === DOT) return true;
    }
  }
  return false;
}

/**
 * `path` (starting with `/`, no query) normalized: backslashes become slashes; percent-encoded
 * unreserved characters are decoded and other percent-encodings upper-cased (RFC 3986 §6.2.2.1,
 * §6.2.2.2); `.` and `..` segments are removed (§5.2.4); empty segments are merged, a trailing
 * slash kept. An encoded slash (`%2F`) stays encoded: it is not a segment boundary.
 */
export function normalizePath(path: string): string {
  const decoded = decodeUnreserved(path.replaceAll('\\', '/'));
  const segments = decoded.split('/');
  const out: string[] = [];
  let trailingSlash = false;
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
    trailingSlash = last && (segment === '' || segment === '.' || segment === '..');
  }
  const joined = `/${out.join('/')}`;
  return trailingSlash && out.length > 0 ? `${joined}/` : joined;
}

/** Percent-encodings of unreserved characters decoded, the others' hex digits upper-cased. */
function decodeUnreserved(path: string): string {
  let out = '';
  let from = 0;
  for (let i = path.indexOf('%'); i !== -1 && i + 2 < path.length; i = path.indexOf('%', i + 1)) {
    const hex = path.slice(i + 1, i + 3);
    if (!HEX_PAIR.test(hex)) continue;
    const code = parseInt(hex, 16);
    const text = isUnreserved(code) ? String.fromCharCode(code) : `%${hex.toUpperCase()}`;
    out += path.slice(from, i) + text;
    from = i + 3;
    i += 2;
  }
  return from === 0 ? path : out + path.slice(from);
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
