// Validator for a nested object whose fields are alternatives: exactly one of them must be set.
import { registerDecorator } from 'class-validator';

export function ExactlyOneOf(...fields: string[]): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'exactlyOneOf',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property must set exactly one of ${fields.join(', ')}` },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null) return true; // other rules say so
          const record = value as Record<string, unknown>;
          return fields.filter((f) => record[f] !== undefined).length === 1;
        },
      },
    });
  };
}
