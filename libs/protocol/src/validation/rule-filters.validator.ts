// Cross-field rules of an HTTPRoute rule's filters, as Gateway API states them.
import { registerDecorator, type ValidationArguments } from 'class-validator';

interface PathModifierLike {
  type?: string;
}
interface FilterLike {
  type?: string;
  urlRewrite?: { path?: PathModifierLike };
  requestRedirect?: { path?: PathModifierLike };
}
interface RuleLike {
  matches?: { path?: { type?: string } }[];
}

/** Why `filters` cannot stand in `rule`, or undefined when they can. */
export function ruleFiltersProblem(
  filters: readonly FilterLike[],
  rule: RuleLike,
): string | undefined {
  const types = filters.map((f) => f.type);
  const repeated = types.find((t, i) => t !== 'RequestMirror' && types.indexOf(t) !== i);
  if (repeated) return `must not hold ${repeated} twice`;
  if (types.includes('RequestRedirect') && types.includes('URLRewrite')) {
    return 'must not hold both RequestRedirect and URLRewrite';
  }
  const prefixRewrite = filters.some(
    (f) => (f.urlRewrite?.path ?? f.requestRedirect?.path)?.type === 'ReplacePrefixMatch',
  );
  const allPrefix = (rule.matches ?? []).every(
    (m) => (m.path?.type ?? 'PathPrefix') === 'PathPrefix',
  );
  if (prefixRewrite && !allPrefix)
    return 'ReplacePrefixMatch needs every match of the rule to be a PathPrefix match';
  return undefined;
}

export function FiltersFitRule(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'filtersFitRule',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) =>
          `filters ${ruleFiltersProblem(args.value as FilterLike[], args.object) ?? 'are invalid'}`,
      },
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          !Array.isArray(value) ||
          ruleFiltersProblem(value as FilterLike[], args.object) === undefined,
      },
    });
  };
}
