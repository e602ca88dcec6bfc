// Validators for a nested object whose fields are alternatives: exactly one, or at most one, set.
import { registerDecorator } from 'class-validator';

export function ExactlyOneOf(...fields: string[]): PropertyDecorator {
  return alternatives('exactlyOneOf', `must set exactly one of ${fields.join(', ')}`, fields, 1);
}

export function AtMostOneOf(...fields: string[]): PropertyDecorator {
  return alternatives('atMostOneOf', `may set only one of ${fields.join(', ')}`, fields, 0);
}

/** Between `least` and one of `fields` set. */
function alternatives(
  name: string,
  message: string,
  fields: readonly string[],
  least: number,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property ${message}` },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null) return true; // other rules say so
          const record = value as Record<string, unknown>;
          const set = fields.filter((f) => record[f] !== undefined).length;
          return set >= least && set <= 1;
        },
      },
    });
  };
}
