// Validator for a name that must be a DNS label of at most 63 characters (the pattern alone is unbounded).
import { Matches, MaxLength } from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from './names.js';

/** `name` is how the error names the field (an env variable, a message field). */
export function IsDnsLabel(name: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    MaxLength(63)(target, propertyName);
    Matches(DNS_LABEL, { message: `${name} ${DNS_LABEL_MESSAGE}` })(target, propertyName);
  };
}
