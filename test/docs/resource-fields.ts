// Every field path of a resource class, read from its validation metadata and its nested types.
import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';

type Constructor = ClassConstructor<object>;

/** Field paths as the docs write them: `spec.rules[].matches[].path.type`. */
export function fieldPaths(cls: Constructor, prefix = ''): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const names = [...new Set(metas.map((m) => m.propertyName))];
  return names.flatMap((name) => {
    const isList = metas.some(
      (m) => m.propertyName === name && (m.each === true || m.name === 'isArray'),
    );
    const path = `${prefix}${name}${isList ? '[]' : ''}`;
    const nested = nestedClassOf(cls, name);
    return nested ? [path, ...fieldPaths(nested, `${path}.`)] : [path];
  });
}

/**
 * The class a field's values are turned into (its `@Type`), found by transforming a probe: a
 * nested object comes back as an instance of that class, anything else as a plain object.
 */
function nestedClassOf(cls: Constructor, name: string): Constructor | undefined {
  const probe = plainToInstance(cls, { [name]: [{}] });
  const value: unknown = Reflect.get(probe, name);
  const item: unknown = Array.isArray(value) ? value[0] : value;
  const ctor = typeof item === 'object' && item !== null ? item.constructor : undefined;
  return ctor && ctor !== Object ? (ctor as Constructor) : undefined;
}
