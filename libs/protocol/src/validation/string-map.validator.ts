// Validator for Kubernetes-style string maps (labels, selectors): plain object of string keys and values.
import { registerDecorator, type ValidationOptions } from 'class-validator';

const LABEL_KEY = /^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export function isLabelMap(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(
    ([k, v]) => LABEL_KEY.test(k) && typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v),
  );
}

export function IsLabelMap(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isLabelMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: '$property must map label keys to label values (DNS-style strings)',
        ...options,
      },
      validator: { validate: isLabelMap },
    });
  };
}
