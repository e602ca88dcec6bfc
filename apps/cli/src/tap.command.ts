// `weft tap`: live requests as the proxies serve them, from the access log records on the bus.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { AccessRecord } from '@app/dataplane/telemetry/access-log.js';
import { Subjects } from '@app/protocol/subjects.js';
import { CliError, messageOf } from './cli-error.js';
import { subjectPrefix } from './defaults.js';
import { connectOnce } from './nats-probe.js';
import { NATS_OPTION_HELP, natsTarget } from './nats-target.js';
import { out } from './output.js';

interface TapOptions {
  readonly nats?: string;
  readonly namespace: string;
  readonly service?: string;
  readonly path?: string;
  readonly status?: (status: number) => boolean;
  readonly count?: number;
}

export function tapCommand(): Command {
  return new Command('tap')
    .description('stream requests live as proxies serve them (their access logs on the bus)')
    .option('--nats <url>', NATS_OPTION_HELP)
    .option('-n, --namespace <namespace>', 'only this namespace', '*')
    .option('--service <service>', 'only requests served by proxies of this service')
    .option('--path <prefix>', 'only paths starting with this prefix')
    .addOption(
      new Option('--status <class|code>', 'only this status: 5xx, 404, …').argParser(statusFilter),
    )
    .addOption(new Option('--count <n>', 'stop after n requests').argParser(positiveInt))
    .action(async (opts: TapOptions, cmd: Command) => {
      const { url, source } = await natsTarget(opts.nats, cmd);
      const nc = await connectOnce(url).catch((err: unknown) => {
        throw new CliError(
          `cannot reach NATS at ${url} (from ${source}: ${messageOf(err)}); set --nats or NATS_URL`,
        );
      });
      const subject = new Subjects(subjectPrefix()).accessLog(opts.namespace, opts.service ?? '*');
      let shown = 0;
      const done = new Promise<void>((resolve) => {
        nc.subscribe(subject, {
          callback: (_err, msg) => {
            // Records that arrive while the subscription closes are not shown past --count.
            if (opts.count !== undefined && shown >= opts.count) return;
            const record = msg.json<AccessRecord>();
            if (!matches(record, opts)) return;
            out(formatRecord(record));
            if (opts.count !== undefined && ++shown >= opts.count) resolve();
          },
        });
        process.once('SIGINT', resolve);
      });
      await done;
      await nc.close();
    });
}

function matches(r: AccessRecord, opts: TapOptions): boolean {
  return (!opts.path || r.path.startsWith(opts.path)) && (!opts.status || opts.status(r.status));
}

/** `10:24:31.123 GET b/path 200 1.2ms outbound HTTPRoute/default/r#0 → default/b (127.0.0.1:…) trace …` */
export function formatRecord(r: AccessRecord): string {
  const time = new Date(r.time).toISOString().slice(11, 23);
  const retries = r.retries > 0 ? ` retries=${r.retries}` : '';
  const target = r.upstream
    ? ` ${r.route || '-'} → ${r.upstream}${r.endpoint ? ` (${r.endpoint})` : ''}`
    : '';
  return `${time} ${r.method} ${r.host}${r.path} ${r.status} ${r.durationMs.toFixed(1)}ms ${r.listener}${target}${retries} trace=${r.traceId}`;
}

function statusFilter(value: string): (status: number) => boolean {
  const cls = /^([1-5])xx$/i.exec(value);
  if (cls) return (status) => Math.floor(status / 100) === Number(cls[1]);
  if (/^\d{3}$/.test(value)) return (status) => status === Number(value);
  throw new InvalidArgumentError('must be a status code (404) or class (5xx)');
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}
