// Turns unknown input into a validated class instance, flattening class-validator errors to field paths.
import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { fail, ok, type FieldError, type Result } from '../field-error.js';

export function parseInto<T extends object>(
  cls: ClassConstructor<T>,
  raw: unknown,
  resource: string,
): Result<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail([{ resource, path: '', message: 'must be an object' }]);
  }
  const instance = plainToInstance(cls, raw);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) return fail(flatten(errors, '', resource));
  return ok(instance);
}

function flatten(
  errors: readonly ValidationError[],
  parent: string,
  resource: string,
): FieldError[] {
  return errors.flatMap((error) => {
    const path = joinPath(parent, error.property);
    const messages = Object.values(error.constraints ?? {});
    // A missing field fails every constraint on it; one clear reason beats a list of them.
    const reasons =
      error.value === undefined && messages.length > 0
        ? ['is required']
        : messages.map(stripProperty);
    const own = reasons.map((message) => ({ resource, path, message }));
    return [...own, ...flatten(error.children ?? [], path, resource)];
  });
}

/** class-validator starts each message with the property name; the path already says it. */
function stripProperty(message: string): string {
  return message.replace(/^\S+\s/, '');
}

/** `spec` + `rules` → `spec.rules`; `rules` + `0` → `rules[0]`. */
function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}
