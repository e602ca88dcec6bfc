// What taking one value from the config bucket changed, whichever way a proxy follows it: the one
// vocabulary MeshState.apply and FollowedDestinations.take answer in, reduced by SnapshotApplier.take.
import type { EndpointSet, KeyRevision } from '@app/protocol';

export type ConfigChange =
  /** Nothing this proxy acts on (a value it does not follow, or one older than it holds). */
  | { readonly kind: 'none' }
  /** A resource, or a followed Service's bundle (`service`): applied with the next snapshot marker. */
  | { readonly kind: 'resources'; readonly service?: string }
  /** A Service's endpoint set, applied in place between snapshots (undefined: deleted). */
  | { readonly kind: 'endpoints'; readonly service: string; readonly set: EndpointSet | undefined }
  /** A snapshot marker: revision `revision` is complete once the `projections` it wrote are read. */
  | {
      readonly kind: 'snapshot';
      readonly revision: number;
      readonly projections?: readonly KeyRevision[];
    }
  /** A host alias: the Service it names now (undefined: none). */
  | { readonly kind: 'alias'; readonly host: string; readonly service: string | undefined }
  /** One of this proxy's instances is an endpoint of these Services. */
  | { readonly kind: 'member'; readonly services: readonly string[] }
  /** A value that could not be used (the previous one stays); it is reported with its key. */
  | { readonly kind: 'invalid'; readonly key: string; readonly reason: string };
