// Fixtures the config specs share: a Service resource, and a stored resource's selector as the bucket holds it.
import { parseResource, type Resource } from '@app/protocol';
import type { RecordingBucket } from './recording-bucket.fake.js';

/** A validated Service `name` selecting `app=<app>`, in the default namespace. */
export function service(name: string, app = name): Resource {
  const r = parseResource({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app } },
  });
  if (!r.ok) throw new Error('bad fixture');
  return r.value;
}

/** The selector of the Service stored at `key` in `bucket`. */
export function selectorOf(bucket: RecordingBucket, key: string): unknown {
  const entry = JSON.parse(bucket.values.get(key)!) as {
    resource: { spec: { selector: unknown } };
  };
  return entry.resource.spec.selector;
}
