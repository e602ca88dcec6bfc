// Validates a whole batch before anything is stored: every resource parsed, duplicates refused.
import { fail, ok, type FieldError, type Result } from '../field-error.js';
import { keyOf, parseResource, type Resource } from '../resources/resource.js';
import { runToEnd, type Stepwise } from '../stepwise.js';

export function validateBatch(raw: readonly unknown[]): Result<Resource[]> {
  return runToEnd(validatingBatch(raw));
}

/** `validateBatch` in steps: it pauses before every resource. */
export function* validatingBatch(raw: readonly unknown[]): Stepwise<Result<Resource[]>> {
  const resources: Resource[] = [];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const item of raw) {
    yield;
    const parsed = parseResource(item);
    if (!parsed.ok) {
      errors.push(...parsed.errors);
      continue;
    }
    const key = keyOf(parsed.value);
    if (seen.has(key)) {
      const { kind, metadata } = parsed.value;
      errors.push({
        resource: `${kind}/${metadata.namespace}/${metadata.name}`,
        path: 'metadata.name',
        message: 'appears twice in this batch',
      });
    }
    seen.add(key);
    resources.push(parsed.value);
  }
  return errors.length > 0 ? fail(errors) : ok(resources);
}
