// Weft's `ServiceExport` (weft.dev/v1alpha1), in the shape of the Kubernetes multi-cluster services
// API's: its name and namespace are those of the Service it exports to the clusters linked to this
// one, where it answers as `<name>.<namespace>.svc.clusterset.local` (docs/multi-cluster.md).
import { Equals, IsObject, ValidateBy, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { ObjectMeta } from './object-meta.dto.js';
import { WEFT_API_VERSION } from './traffic-policy.dto.js';

/** Nothing to set yet, as in MCS's ServiceExport. */
export class ServiceExportSpec {}

export class ServiceExport {
  @Equals(WEFT_API_VERSION)
  apiVersion!: typeof WEFT_API_VERSION;

  @Equals('ServiceExport')
  kind!: 'ServiceExport';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  /** `{}` or none; a field in it is refused, never dropped unseen. */
  @IsObject()
  @Type(() => ServiceExportSpec)
  @ValidateBy({
    name: 'isEmptyObject',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' && value !== null && Object.keys(value).length === 0,
      defaultMessage: () => 'spec must be empty: a ServiceExport has nothing to set',
    },
  })
  spec: ServiceExportSpec = new ServiceExportSpec();
}
