// Validator for match values that are regular expressions when their sibling `type` says so.
import { registerDecorator, type ValidationArguments } from 'class-validator';
import { regexpProblem } from './config-regexp.js';

export function IsRegExpWhenTyped(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isRegExpWhenTyped',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        // The data plane compiles the pattern with the same engine (`compileWholeMatch`).
        message: (args: ValidationArguments) => {
          const reason =
            typeof args.value === 'string' ? regexpProblem(args.value) : 'not a string';
          return `${args.property} must be an RE2 regular expression (type is RegularExpression): ${reason}`;
        },
      },
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const { type } = args.object as { type?: string };
          if (type !== 'RegularExpression') return true;
          return typeof value === 'string' && regexpProblem(value) === undefined;
        },
      },
    });
  };
}
