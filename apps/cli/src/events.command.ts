// `weft events`: follows what the control plane announces: applies, rejections, route and policy
// status, instance health changes, proxy ACK/NACKs, restarts.
import { Command } from 'commander';
import { Subjects } from '@app/protocol/subjects.js';
import { CliError, messageOf } from './cli-error.js';
import { subjectPrefix } from './defaults.js';
import { connectOnce } from './nats-probe.js';
import { NATS_OPTION_HELP, natsTarget } from './nats-target.js';
import { out } from './output.js';

interface EventsOptions {
  readonly nats?: string;
  readonly count?: string;
  readonly type: string;
}

/** An event type as a subject under the events prefix: dot-separated tokens, NATS wildcards allowed. */
const EVENT_TYPE = /^(?:[A-Za-z0-9_-]+|\*)(?:\.(?:[A-Za-z0-9_-]+|\*))*(?:\.>)?$|^>$/;

export function eventsCommand(): Command {
  return new Command('events')
    .description(
      'follow config and health events (applies, rejections, route and policy status, instance states, proxy ACK/NACK) as they happen',
    )
    .option('--nats <url>', NATS_OPTION_HELP)
    .option('--count <n>', 'stop after n events')
    .option(
      '--type <type>',
      'only events of this type, NATS wildcards allowed (config.applied, instance.>)',
      '>',
    )
    .action(async (opts: EventsOptions, cmd: Command) => {
      const { url, source } = await natsTarget(opts.nats, cmd);
      const limit = opts.count === undefined ? Infinity : Number(opts.count);
      if (!(limit >= 1)) throw new CliError('--count must be a positive number');
      if (!EVENT_TYPE.test(opts.type)) {
        throw new CliError(
          `--type ${JSON.stringify(opts.type)} is not an event type: dot-separated names, * for one, > at the end for the rest`,
        );
      }
      const nc = await connectOnce(url).catch((err: unknown) => {
        throw new CliError(
          `cannot reach NATS at ${url} (from ${source}: ${messageOf(err)}); set --nats or NATS_URL`,
        );
      });
      const prefix = new Subjects(subjectPrefix()).event('');
      let shown = 0;
      await new Promise<void>((resolve) => {
        nc.subscribe(`${prefix}${opts.type}`, {
          callback: (_err, msg) => {
            if (shown >= limit) return;
            out(
              `${new Date().toISOString().slice(11, 23)} ${msg.subject.slice(prefix.length)} ${msg.string()}`,
            );
            if (++shown >= limit) resolve();
          },
        });
        process.once('SIGINT', () => resolve());
      });
      await nc.close();
    });
}
