// Validator for match values that are regular expressions when their sibling `type` says so.
import { registerDecorator, type ValidationArguments } from 'class-validator';

/** Compiles as the data plane will (anchored), so a route that passes here also compiles there. */
export function compilesAnchored(pattern: string): boolean {
  try {
    new RegExp(`^(?:${pattern})$`);
    return true;
  } catch {
    return false;
  }
}

export function IsRegExpWhenTyped(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isRegExpWhenTyped',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: '$property must be a valid regular expression when type is RegularExpression',
      },
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const { type } = args.object as { type?: string };
          return (
            type !== 'RegularExpression' || (typeof value === 'string' && compilesAnchored(value))
          );
        },
      },
    });
  };
}
