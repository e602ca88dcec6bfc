// What the control plane projects per namespace for the proxies whose workloads live there:
// `policies.<ns>`, every resource of a policy kind (`POLICY_KINDS`) in that namespace.
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, Matches, ValidateNested } from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import { BundledResource } from './destination.dto.js';

/**
 * One namespace's policies (PeerAuthentications, AuthorizationPolicies, …), each under its own
 * resource key, in key order: one list for every policy kind, so a new kind needs no new shape.
 */
export class PolicyBundle {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace!: string;

  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => BundledResource)
  resources: BundledResource[] = [];
}
