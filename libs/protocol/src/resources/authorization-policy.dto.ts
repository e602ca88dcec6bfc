// Weft's `AuthorizationPolicy` (weft.dev/v1alpha1): Istio's resource of the same name, its field
// names and semantics — who may call the workloads it selects, on which operations (HTTP and bus).
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { OptionalListOf } from '../validation/list-of.validator.js';
import { ObjectMeta } from './object-meta.dto.js';
import { WorkloadSelector } from './peer-authentication.dto.js';
import { WEFT_API_VERSION } from './traffic-policy.dto.js';

/** `CUSTOM` (an external authorizer) is out of scope. */
export const AUTHORIZATION_ACTIONS = ['ALLOW', 'DENY', 'AUDIT'] as const;
export type AuthorizationAction = (typeof AUTHORIZATION_ACTIONS)[number];

/** Bounds of one policy: a policy is config, but every structure built from it is kept per proxy. */
export const AUTHZ_MAX_RULES = 128;
export const AUTHZ_MAX_CLAUSES = 32;
export const AUTHZ_MAX_VALUES = 256;
export const AUTHZ_MAX_VALUE_LENGTH = 1024;

/** A list of match values (`principals`, `paths`…): strings, bounded in number and length. */
function OptionalValues(): PropertyDecorator {
  return (target, property) => {
    for (const decorate of [
      IsOptional(),
      IsArray(),
      ArrayMaxSize(AUTHZ_MAX_VALUES),
      IsString({ each: true }),
      MaxLength(AUTHZ_MAX_VALUE_LENGTH, { each: true }),
    ])
      decorate(target, property);
  };
}

/** Istio's `ports` are strings; YAML integers are taken too. Checked as ports by the policy check. */
function OptionalPorts(): PropertyDecorator {
  return (target, property) => {
    for (const decorate of [IsOptional(), IsArray(), ArrayMaxSize(AUTHZ_MAX_VALUES)])
      decorate(target, property);
  };
}

/** Who calls: the peer's verified identity (mTLS certificate, or the bus subject's caller). */
export class AuthorizationSource {
  /** `<trust-domain>/ns/<namespace>/sa/<service-account>`, Istio's form (no `spiffe://`). */
  @OptionalValues()
  principals?: string[];

  @OptionalValues()
  notPrincipals?: string[];

  /** The namespace of the peer's identity. */
  @OptionalValues()
  namespaces?: string[];

  @OptionalValues()
  notNamespaces?: string[];
}

/** What is called. */
export class AuthorizationOperation {
  /** The Host header (`:authority`) as sent, port included; case-insensitive. */
  @OptionalValues()
  hosts?: string[];

  @OptionalValues()
  notHosts?: string[];

  /** The workload's port (its app's): the same on HTTP and on the bus. */
  @OptionalPorts()
  ports?: (string | number)[];

  @OptionalPorts()
  notPorts?: (string | number)[];

  @OptionalValues()
  methods?: string[];

  @OptionalValues()
  notMethods?: string[];

  /** The normalized path, without query (see the reference page). */
  @OptionalValues()
  paths?: string[];

  @OptionalValues()
  notPaths?: string[];
}

export class AuthorizationFrom {
  @IsDefined()
  @ValidateNested()
  @Type(() => AuthorizationSource)
  source!: AuthorizationSource;
}

export class AuthorizationTo {
  @IsDefined()
  @ValidateNested()
  @Type(() => AuthorizationOperation)
  operation!: AuthorizationOperation;
}

/** One more condition on the request: `key` is an attribute (see the reference page). */
export class AuthorizationCondition {
  @IsString()
  @MaxLength(AUTHZ_MAX_VALUE_LENGTH)
  key!: string;

  @OptionalValues()
  values?: string[];

  @OptionalValues()
  notValues?: string[];
}

/**
 * Matches when at least one `from`, one `to` and every `when` match (an absent list matches
 * anything); `{}` matches every request.
 */
export class AuthorizationRule {
  @OptionalListOf(() => AuthorizationFrom, AUTHZ_MAX_CLAUSES)
  from?: AuthorizationFrom[];

  @OptionalListOf(() => AuthorizationTo, AUTHZ_MAX_CLAUSES)
  to?: AuthorizationTo[];

  @OptionalListOf(() => AuthorizationCondition, AUTHZ_MAX_CLAUSES)
  when?: AuthorizationCondition[];
}

export class AuthorizationPolicySpec {
  @IsOptional()
  @ValidateNested()
  @Type(() => WorkloadSelector)
  selector?: WorkloadSelector;

  @IsIn(AUTHORIZATION_ACTIONS, {
    message: `action must be one of ${AUTHORIZATION_ACTIONS.join(', ')} (CUSTOM, an external authorizer, is not supported)`,
  })
  action: AuthorizationAction = 'ALLOW';

  /** None: the policy matches no request (an ALLOW policy then allows nothing). */
  @OptionalListOf(() => AuthorizationRule, AUTHZ_MAX_RULES)
  rules?: AuthorizationRule[];
}

export class AuthorizationPolicy {
  @Equals(WEFT_API_VERSION)
  apiVersion!: typeof WEFT_API_VERSION;

  @Equals('AuthorizationPolicy')
  kind!: 'AuthorizationPolicy';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  /** Absent: `{}`, Istio's allow-nothing policy. */
  @IsObject()
  @ValidateNested()
  @Type(() => AuthorizationPolicySpec)
  spec: AuthorizationPolicySpec = new AuthorizationPolicySpec();
}
