// A list of nested resources parts, each validated as its class: the stack most DTO fields share.
import { Type, type ClassConstructor } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, ValidateNested } from 'class-validator';

/** An array of at most `max` items, each transformed to and validated as `type()`. */
export function ListOf(type: () => ClassConstructor<object>, max: number): PropertyDecorator {
  return compose([IsArray(), ArrayMaxSize(max), ValidateNested({ each: true }), Type(type)]);
}

/** `ListOf`, and the field may be absent. */
export function OptionalListOf(
  type: () => ClassConstructor<object>,
  max: number,
): PropertyDecorator {
  return compose([IsOptional(), ListOf(type, max)]);
}

function compose(decorators: readonly PropertyDecorator[]): PropertyDecorator {
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}
