// Subjects under the validated prefix, available at import time for `@EventPattern` decorators.
import { Subjects } from '@app/protocol';
import { controlPlaneEnv } from '../control-plane-env.dto.js';

let subjects: Subjects | undefined;

export function bootSubjects(): Subjects {
  subjects ??= new Subjects(controlPlaneEnv().WEFT_SUBJECT_PREFIX);
  return subjects;
}
