// The apply plan: what a request makes of the desired state (resource writes and deletes, projections,
// history entry, marker), decided without I/O, so the KV commit only carries it out.
import {
  fail,
  keyOf,
  ok,
  parseResource,
  PROTOCOL_VERSION,
  type ApplyAction,
  type ApplyResult,
  type ConfigEntry,
  type ConfigSource,
  type DiffResult,
  type FieldError,
  type HistoryEntry,
  type Resource,
  type Result,
  type SnapshotMarker,
} from '@app/protocol';
import type { Stored } from './config-view.js';
import {
  projectDestinations,
  projectionChanges,
  type ProjectionChanges,
} from './destination-projection.js';

/** What a plan starts from: the last revision's desired state and the projections the bucket holds. */
export interface DesiredState {
  readonly revision: number;
  /** Resource key → the resource, its owner and its JSON. */
  readonly desired: ReadonlyMap<string, Stored>;
  /** Projection key → its JSON. */
  readonly projections: ReadonlyMap<string, string>;
}

/** One resource of a request and the source it is to be owned by. */
export interface OwnedResource {
  readonly resource: Resource;
  readonly source: ConfigSource;
}

export type PlannedChange = DiffResult['results'][number];

/** The resource writes that make a batch desired, and each resource's action with it before and after. */
export interface ResourceDiff {
  readonly results: readonly PlannedChange[];
  readonly puts: readonly (readonly [key: string, stored: Stored])[];
  readonly deletes: readonly string[];
}

/** Kinds whose changes change endpoint sets: their members, or how callers reach them. */
const ENDPOINT_KINDS: ReadonlySet<string> = new Set(['Service', 'PeerAuthentication']);

/** Who asks for a change, recorded with its revision. */
export interface ChangeOrigin {
  readonly source: ConfigSource;
  readonly author: string;
}

/** What a request leaves of the desired state: the same state, or a new revision. */
export type ApplyPlan = UnchangedPlan | RevisionPlan;

/**
 * The desired state stays as it is (every resource unchanged, nothing to delete): no revision, no
 * write, no history entry, no announcement. A resource applied again by another source keeps its
 * owner, since nothing was written.
 */
export interface UnchangedPlan {
  readonly changed: false;
  /** The current revision, which stays. */
  readonly revision: number;
  readonly results: readonly PlannedChange[];
}

/** A new revision, every write of it decided. */
export interface RevisionPlan extends ResourceDiff, ChangeOrigin {
  readonly changed: true;
  readonly revision: number;
  readonly appliedAt: number;
  /** The whole desired state once the revision is committed. */
  readonly desired: ReadonlyMap<string, Stored>;
  /** The destination bundles and aliases of `desired` that differ from what the bucket holds. */
  readonly projections: ProjectionChanges;
  /**
   * A Service or a PeerAuthentication is added, changed or deleted: the endpoint sets it changes
   * (members, or which endpoints are plaintext) are written before the marker.
   */
  readonly servicesChange: boolean;
  /** Created first: claims the revision number. */
  readonly history: HistoryEntry;
  /** Written last (the commit point), once it lists the projections at their KV revisions. */
  readonly marker: SnapshotMarker;
}

/**
 * The writes that make `batch` desired. `prune` deletes what the batch lacks: resources owned by
 * that source, or (`all`) every resource. A resource whose JSON is what is stored is unchanged and
 * not written, whoever sends it.
 */
export function diffBatch(
  desired: ReadonlyMap<string, Stored>,
  batch: readonly OwnedResource[],
  prune: ConfigSource | 'all' | undefined,
): ResourceDiff {
  const results: PlannedChange[] = [];
  const puts: [string, Stored][] = [];
  const keys = new Set<string>();
  for (const { resource, source } of batch) {
    const key = keyOf(resource);
    keys.add(key);
    const json = JSON.stringify(resource);
    const before = desired.get(key);
    const action: ApplyAction = !before
      ? 'created'
      : before.json === json
        ? 'unchanged'
        : 'configured';
    results.push({ resource: label(resource), action, before: before?.resource, after: resource });
    if (action !== 'unchanged') puts.push([key, { resource, source, json }]);
  }
  const deletes = prune
    ? [...desired]
        .filter(([k, s]) => !keys.has(k) && (prune === 'all' || s.source === prune))
        .map(([k]) => k)
    : [];
  for (const k of deletes) {
    const before = desired.get(k)!.resource;
    results.push({ resource: label(before), action: 'deleted', before });
  }
  return { results, puts, deletes };
}

/** An apply of a validated batch; with `prune`, what `source` owns and the batch lacks is deleted. */
export function planApply(
  state: DesiredState,
  request: ChangeOrigin & { readonly batch: readonly Resource[]; readonly prune: boolean },
  now: number,
): ApplyPlan {
  const batch = request.batch.map((resource) => ({ resource, source: request.source }));
  const diff = diffBatch(state.desired, batch, request.prune ? request.source : undefined);
  return planRevision(state, diff, request, now);
}

/** The delete of one resource (the admin API's); undefined when no resource has that key. */
export function planRemove(
  state: DesiredState,
  key: string,
  author: string,
  now: number,
): ApplyPlan | undefined {
  const stored = state.desired.get(key);
  if (!stored) return undefined;
  const results = [{ resource: label(stored.resource), action: 'deleted' as const }];
  return planRevision(state, { results, puts: [], deletes: [key] }, { source: 'api', author }, now);
}

/**
 * The desired state of the revision `entry` recorded, each resource with the owner it had then.
 * Fails when a resource it holds no longer validates (nothing of it is applied then).
 */
export function planRollback(
  state: DesiredState,
  entry: HistoryEntry,
  author: string,
  now: number,
): Result<ApplyPlan> {
  const batch: OwnedResource[] = [];
  const errors: FieldError[] = [];
  for (const { source, resource } of Object.values(entry.resources)) {
    const parsed = parseResource(resource);
    if (parsed.ok) batch.push({ source, resource: parsed.value });
    else errors.push(...parsed.errors);
  }
  if (errors.length > 0) return fail(errors);
  const origin = { source: 'api' as const, author: `${author} (rollback to ${entry.revision})` };
  return ok(planRevision(state, diffBatch(state.desired, batch, 'all'), origin, now));
}

/** The answer to a request: the revision it made (or the one that stays) and each resource's action. */
export function resultOf(plan: ApplyPlan): ApplyResult {
  const results = plan.results.map(({ resource, action }) => ({ resource, action }));
  return { revision: plan.revision, changed: plan.changed, results };
}

/** A resource as its KV key holds it, stamped with the revision that writes it. */
export function configEntryOf(stored: Stored, revision: number, appliedAt: number): ConfigEntry {
  const resource = JSON.parse(stored.json) as Record<string, unknown>;
  return { v: PROTOCOL_VERSION, revision, source: stored.source, appliedAt, resource };
}

/** The revision `diff` makes, or none when it writes nothing. */
function planRevision(
  state: DesiredState,
  diff: ResourceDiff,
  { source, author }: ChangeOrigin,
  appliedAt: number,
): ApplyPlan {
  if (diff.puts.length === 0 && diff.deletes.length === 0)
    return { changed: false, revision: state.revision, results: diff.results };
  const revision = state.revision + 1;
  const desired = new Map(state.desired);
  for (const [key, stored] of diff.puts) desired.set(key, stored);
  for (const key of diff.deletes) desired.delete(key);
  const touched = [...diff.puts.map(([key]) => key), ...diff.deletes];
  const servicesChange = touched.some((k) =>
    ENDPOINT_KINDS.has((state.desired.get(k) ?? desired.get(k))?.resource.kind ?? ''),
  );
  const changes = diff.results
    .filter((r) => r.action !== 'unchanged')
    .map(({ resource, action }) => ({ resource, action }));
  return {
    ...diff,
    changed: true,
    revision,
    source,
    author,
    appliedAt,
    desired,
    projections: projectionChanges(projectDestinations(desired), state.projections),
    servicesChange,
    history: {
      v: PROTOCOL_VERSION,
      revision,
      source,
      author,
      appliedAt,
      changes,
      resources: snapshotOf(desired),
    },
    marker: { v: PROTOCOL_VERSION, revision, source, appliedAt, author },
  };
}

/** A desired state as a history entry holds it. */
function snapshotOf(desired: ReadonlyMap<string, Stored>): HistoryEntry['resources'] {
  return Object.fromEntries(
    [...desired].map(([key, s]) => [
      key,
      { source: s.source, resource: JSON.parse(s.json) as Record<string, unknown> },
    ]),
  );
}

function label(r: Resource): string {
  return `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
}
