// `weft check`: a linkerd-check-style walk from NATS to the control plane, with a hint for each failure.
import { Command } from 'commander';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { PROTOCOL_VERSION } from '@app/protocol/version.js';
import { Subjects } from '@app/protocol/subjects.js';
import type { AdminClient } from './admin-client.js';
import { withAdmin } from './cli-context.js';
import { CliError, messageOf } from './cli-error.js';
import { subjectPrefix } from './defaults.js';
import {
  assertJetStream,
  connectOnce,
  openBucket,
  snapshotVersion,
  type SnapshotVersion,
} from './nats-probe.js';
import { NATS_OPTION_HELP, natsTarget, type NatsTarget } from './nats-target.js';
import { out } from './output.js';
import { withProgress } from './progress.js';

const OK = '✔';
const FAILED = '✖';
const SKIPPED = '-';

type Outcome =
  | { readonly status: 'ok'; readonly note?: string }
  | { readonly status: 'fail'; readonly reason: string; readonly hint: string }
  | { readonly status: 'skip'; readonly reason: string };

interface Check {
  readonly title: string;
  run(): Promise<Outcome>;
}

interface CheckOptions {
  readonly nats: string;
}

export function checkCommand(): Command {
  return new Command('check')
    .description('check that NATS, JetStream, the config bucket and the control plane are healthy')
    .option('--nats <url>', NATS_OPTION_HELP)
    .action(async (opts: Partial<CheckOptions>, cmd: Command) => {
      const nats = await natsTarget(opts.nats, cmd);
      const failed = await withAdmin(cmd, async (admin) => {
        const run = new CheckRun(nats, new Subjects(subjectPrefix()).configBucket, admin);
        try {
          return await run.all();
        } finally {
          await run.close();
        }
      });
      out();
      if (failed > 0) throw new CliError(`${failed} check${failed === 1 ? '' : 's'} failed`);
      out(`Status check results are ${OK}`);
    });
}

/** The checks in order; later ones use what earlier ones found (connection, bucket). */
class CheckRun {
  private nc: NatsConnection | undefined;
  private jetStream = false;
  private kv: KV | undefined;
  private controlPlaneUp = false;
  private failed = 0;

  constructor(
    private readonly nats: NatsTarget,
    private readonly bucket: string,
    private readonly admin: AdminClient,
  ) {}

  /** Runs and prints every check; resolves to the number that failed. */
  async all(): Promise<number> {
    await this.section('nats', [
      { title: `NATS reachable at ${this.natsTitle()}`, run: () => this.natsReachable() },
      { title: 'JetStream enabled', run: () => this.jetStreamEnabled() },
      { title: `KV bucket ${this.bucket} present`, run: () => this.bucketPresent() },
    ]);
    out();
    await this.section('control-plane', [
      {
        title: `control plane reachable at ${this.admin.base}`,
        run: () => this.controlPlaneReachable(),
      },
      { title: 'control plane ready (/readyz)', run: () => this.controlPlaneReady() },
      { title: 'control plane leader', run: () => this.controlPlaneLeader() },
      { title: 'protocol version compatible', run: () => this.protocolCompatible() },
    ]);
    return this.failed;
  }

  /** The servers, and where they came from unless the user named them. */
  private natsTitle(): string {
    const { url, source } = this.nats;
    return source === 'the control plane' ? `${url}, as the control plane names it` : url;
  }

  async close(): Promise<void> {
    await this.nc?.close().catch(() => undefined);
  }

  private async section(name: string, checks: readonly Check[]): Promise<void> {
    out(name);
    out('-'.repeat(name.length));
    for (const check of checks) {
      const outcome = await withProgress(check.title, () =>
        check.run().catch((err: unknown): Outcome => ({
          status: 'fail',
          reason: messageOf(err),
          hint: 'unexpected failure; run again, or report it',
        })),
      );
      this.print(check.title, outcome);
    }
  }

  private print(title: string, outcome: Outcome): void {
    if (outcome.status === 'ok') {
      out(`${OK} ${title}${outcome.note ? ` (${outcome.note})` : ''}`);
    } else if (outcome.status === 'skip') {
      out(`${SKIPPED} ${title} (skipped: ${outcome.reason})`);
    } else {
      this.failed++;
      out(`${FAILED} ${title}`);
      out(`    ${outcome.reason}`);
      out(`    hint: ${outcome.hint}`);
    }
  }

  private async natsReachable(): Promise<Outcome> {
    try {
      this.nc = await connectOnce(this.nats.url);
      return { status: 'ok', note: `server ${this.nc.info?.version ?? 'unknown version'}` };
    } catch (err) {
      return {
        status: 'fail',
        reason: `cannot connect: ${messageOf(err)}`,
        hint: 'start nats-server, or point --nats (or NATS_URL) at it',
      };
    }
  }

  private async jetStreamEnabled(): Promise<Outcome> {
    if (!this.nc) return { status: 'skip', reason: 'NATS is not reachable' };
    try {
      await assertJetStream(this.nc);
      this.jetStream = true;
      return { status: 'ok' };
    } catch (err) {
      return {
        status: 'fail',
        reason: messageOf(err),
        hint: 'start nats-server with -js (or a jetstream {} block in its config): Weft keeps its config in a JetStream KV bucket',
      };
    }
  }

  private async bucketPresent(): Promise<Outcome> {
    if (!this.nc || !this.jetStream) return { status: 'skip', reason: 'no JetStream' };
    try {
      this.kv = await openBucket(this.nc, this.bucket);
      return { status: 'ok' };
    } catch (err) {
      return {
        status: 'fail',
        reason: `cannot open it: ${messageOf(err)}`,
        hint: 'start the control plane: it creates the bucket once it reaches NATS (and check that WEFT_SUBJECT_PREFIX matches)',
      };
    }
  }

  private async controlPlaneReachable(): Promise<Outcome> {
    try {
      await this.admin.health();
      this.controlPlaneUp = true;
      return { status: 'ok' };
    } catch (err) {
      return {
        status: 'fail',
        reason: messageOf(err),
        hint: 'start it (node dist/apps/control-plane/main.js), or point --server (or WEFT_SERVER) at its admin port',
      };
    }
  }

  private async controlPlaneReady(): Promise<Outcome> {
    if (!this.controlPlaneUp)
      return { status: 'skip', reason: 'the control plane is not reachable' };
    const report = await this.admin.readiness();
    if (report.ready) return { status: 'ok' };
    const waiting = Object.entries(report.conditions)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    return {
      status: 'fail',
      reason: `not ready; waiting for: ${waiting.join(', ') || 'unknown conditions'}`,
      hint: 'the control plane is ready once it reaches NATS and opens its bucket: check its NATS_URL and logs',
    };
  }

  /** Some replica holds the leader lease, so writes (apply, delete, rollback) can be taken. */
  private async controlPlaneLeader(): Promise<Outcome> {
    if (!this.controlPlaneUp)
      return { status: 'skip', reason: 'the control plane is not reachable' };
    const info = await this.admin.leader();
    if (!info.leader) {
      return {
        status: 'fail',
        reason: 'no control plane holds the leader lease: applies answer 503 until one does',
        hint: 'a replica takes over within WEFT_LEADER_TTL_MS (3 s) of the last renewal; if none does, check that the control planes reach NATS with JetStream, and their logs',
      };
    }
    const role = info.role === 'leader' ? 'this replica' : `followed by ${info.self}`;
    return {
      status: 'ok',
      note: `${info.leader.holder} at ${info.leader.adminUrl}, term ${info.leader.term}; ${role}`,
    };
  }

  /**
   * The control plane's protocol (`GET /v1/version`) and that of the config already in the bucket
   * (the snapshot marker's `v`) must both be the CLI's.
   */
  private async protocolCompatible(): Promise<Outcome> {
    const served = await this.admin.version().catch(() => undefined);
    if (served && served.protocol !== PROTOCOL_VERSION) {
      return {
        status: 'fail',
        reason: `the control plane speaks protocol v${served.protocol}; this CLI speaks v${PROTOCOL_VERSION}`,
        hint: 'run a weft CLI of the same release as the control plane',
      };
    }
    if (!this.kv) return { status: 'skip', reason: 'the config bucket is not available' };
    let snapshot: SnapshotVersion;
    try {
      snapshot = await snapshotVersion(this.kv);
    } catch (err) {
      return {
        status: 'fail',
        reason: `cannot read the snapshot marker: ${messageOf(err)}`,
        hint: 'apply the config again (weft apply) so the control plane rewrites it',
      };
    }
    if (!snapshot.found) {
      return { status: 'ok', note: `CLI v${PROTOCOL_VERSION}; no config published yet` };
    }
    if (snapshot.v === PROTOCOL_VERSION) {
      return { status: 'ok', note: `CLI and config snapshot both v${PROTOCOL_VERSION}` };
    }
    return {
      status: 'fail',
      reason: `the config snapshot (revision ${String(snapshot.revision)}) is protocol v${String(snapshot.v)}; this CLI speaks v${PROTOCOL_VERSION}`,
      hint: 'run a weft CLI of the same release as the control plane',
    };
  }
}
