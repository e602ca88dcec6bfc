// Route matches filed by path, so a lookup costs about the path's depth, not the number of routes:
// Exact paths in a hash map, PathPrefix matches in a trie of path segments, regular expressions
// in a list (they cannot be indexed; each is tried).
import type { CompiledMatch } from './route-table.js';

interface PrefixNode {
  /** Matches whose prefix ends at this node, in precedence order. */
  readonly matches: CompiledMatch[];
  readonly children: Map<string, PrefixNode>;
}

const SLASH = 47;

export class MatchIndex {
  private readonly exact = new Map<string, CompiledMatch[]>();
  private readonly regex: CompiledMatch[] = [];
  private readonly root: PrefixNode = prefixNode();
  /** Trie nodes along the path being looked up; reused, as a lookup runs start to end at once. */
  private readonly trail: PrefixNode[] = [];

  /** `matches` must be in Gateway API precedence order; each list here keeps that order. */
  constructor(matches: readonly CompiledMatch[]) {
    for (const m of matches) {
      if (m.path.type === 'Exact') {
        const list = this.exact.get(m.path.value) ?? [];
        list.push(m);
        this.exact.set(m.path.value, list);
      } else if (m.path.type === 'RegularExpression') {
        this.regex.push(m);
      } else {
        this.prefixNode(m.path.value).matches.push(m);
      }
    }
  }

  /**
   * The first match in precedence order whose path matches `path` and that `fits` accepts (with
   * `request`: what it checks besides the path, passed on so that no closure is made per lookup).
   * Precedence ranks path types first (Exact, then RegularExpression, then PathPrefix, longest
   * first), so trying the Exact bucket, the expressions, then the trie from its deepest node up
   * visits candidates in exactly that order.
   */
  find<R>(
    path: string,
    fits: (m: CompiledMatch, request: R) => boolean,
    request: R,
  ): CompiledMatch | undefined {
    // Indexed loops: `for…of` makes an iterator per loop until the optimizing compiler removes it.
    const exact = this.exact.get(path);
    if (exact) for (let i = 0; i < exact.length; i++) if (fits(exact[i], request)) return exact[i];
    const regex = this.regex;
    for (let i = 0; i < regex.length; i++) {
      if (regex[i].path.matches(path) && fits(regex[i], request)) return regex[i];
    }
    // The trail is written from 0 and never shrunk: emptying an array drops its storage, and the
    // next lookup would allocate it again. Entries past `depth` are stale nodes of this same trie.
    const trail = this.trail;
    let depth = 0;
    trail[depth++] = this.root;
    if (path.charCodeAt(0) === SLASH) {
      let node = this.root;
      let start = 1;
      for (;;) {
        const end = path.indexOf('/', start);
        const child = node.children.get(end === -1 ? path.slice(start) : path.slice(start, end));
        if (!child) break;
        trail[depth++] = child;
        node = child;
        if (end === -1) break;
        start = end + 1;
      }
    }
    for (let i = depth - 1; i >= 0; i--) {
      const matches = trail[i].matches;
      for (let j = 0; j < matches.length; j++) if (fits(matches[j], request)) return matches[j];
    }
    return undefined;
  }

  /** The trie node of a normalized prefix (`''` is the root; `/a/b` is a → b). */
  private prefixNode(prefix: string): PrefixNode {
    let node = this.root;
    if (prefix === '') return node;
    for (const segment of prefix.slice(1).split('/')) {
      let child = node.children.get(segment);
      if (!child) {
        child = prefixNode();
        node.children.set(segment, child);
      }
      node = child;
    }
    return node;
  }
}

function prefixNode(): PrefixNode {
  return { matches: [], children: new Map() };
}
