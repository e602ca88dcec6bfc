// `namespace/name`: the one way the mesh names a Service (or any namespaced object) in maps, metrics and messages.

/** A namespaced name, as `serviceKey` joins and `parseServiceKey` splits it. */
export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

/** `namespace/name`. Neither part may hold `/` (both are DNS labels), so the key splits back unambiguously. */
export function serviceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The parts of a `namespace/name` key; undefined for anything else (no `/`, more than one, an empty part). */
export function parseServiceKey(key: string): NamespacedName | undefined {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1 || key.indexOf('/', slash + 1) !== -1)
    return undefined;
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
