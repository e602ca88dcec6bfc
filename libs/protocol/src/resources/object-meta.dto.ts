// Kubernetes-style metadata every resource carries.
import { IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsLabelMap } from '../validation/string-map.validator.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';

export const DEFAULT_NAMESPACE = 'default';

export class ObjectMeta {
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: `name ${DNS_LABEL_MESSAGE}` })
  name!: string;

  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace: string = DEFAULT_NAMESPACE;

  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;

  @IsOptional()
  @IsObject()
  annotations?: Record<string, string>;
}
