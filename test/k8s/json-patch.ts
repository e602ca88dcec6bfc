// RFC 6902 `add` applied to a copy of a document: how the API server applies a webhook's JSONPatch, for checking one.

/** `doc` with every `add` of `ops` applied in order; throws on any other op or a path that does not resolve. */
export function applyJsonPatch<T>(
  doc: T,
  ops: readonly { op: string; path: string; value: unknown }[],
): T {
  const copy = structuredClone(doc) as unknown;
  for (const { op, path, value } of ops) {
    if (op !== 'add') throw new Error(`${path}: only add is supported, not ${op}`);
    const tokens = path
      .split('/')
      .slice(1)
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop();
    if (last === undefined) throw new Error('the root cannot be added to');
    let parent = copy as Record<string, unknown> | unknown[];
    for (const token of tokens) {
      const next = Array.isArray(parent) ? parent[Number(token)] : parent[token];
      if (typeof next !== 'object' || next === null)
        throw new Error(`${path}: ${token} does not resolve`);
      parent = next as Record<string, unknown> | unknown[];
    }
    const item = structuredClone(value);
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) {
        throw new Error(`${path}: index ${last} is out of bounds`);
      }
      parent.splice(index, 0, item);
    } else {
      parent[last] = item;
    }
  }
  return copy as T;
}
