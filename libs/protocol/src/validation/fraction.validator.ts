// Validators of Gateway API's `Fraction` (a share as numerator over denominator) and of a field that
// is an alternative to another (RequestMirror's `fraction` or `percent`, never both).
import { registerDecorator } from 'class-validator';

/** Gateway API's default denominator of a Fraction. */
export const FRACTION_DENOMINATOR = 100;

/** On `numerator`: at most the object's `denominator` (a share is at most the whole). */
export function AtMostDenominator(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'atMostDenominator',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must not be greater than denominator' },
      validator: {
        validate(value: unknown, args): boolean {
          const denominator = (args?.object as { denominator?: unknown }).denominator;
          const whole = typeof denominator === 'number' ? denominator : FRACTION_DENOMINATOR;
          return typeof value !== 'number' || value <= whole; // other rules say what it must be
        },
      },
    });
  };
}

/** On a field that is an alternative to `other`: set only when `other` is not. */
export function NotWith(other: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'notWith',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property and ${other} are alternatives: set at most one of them` },
      validator: {
        validate(value: unknown, args): boolean {
          return (
            value === undefined || (args?.object as Record<string, unknown>)[other] === undefined
          );
        },
      },
    });
  };
}
