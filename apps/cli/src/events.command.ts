// `weft events`: follows what the control plane announces: applies, rejections, route and policy
// status, instance health changes, proxy ACK/NACKs, restarts.
import { Command } from 'commander';
import { Subjects } from '@app/protocol/subjects.js';
import { CliError, messageOf } from './cli-error.js';
import { defaultNatsUrl, subjectPrefix } from './defaults.js';
import { connectOnce } from './nats-probe.js';
import { out } from './output.js';

interface EventsOptions {
  readonly nats?: string;
  readonly count?: string;
}

export function eventsCommand(): Command {
  return new Command('events')
    .description(
      'follow config and health events (applies, rejections, route and policy status, instance states, proxy ACK/NACK) as they happen',
    )
    .option('--nats <url>', 'NATS server(s) (default: $NATS_URL or nats://127.0.0.1:4222)')
    .option('--count <n>', 'stop after n events')
    .action(async (opts: EventsOptions) => {
      const url = opts.nats ?? defaultNatsUrl();
      const limit = opts.count === undefined ? Infinity : Number(opts.count);
      if (!(limit >= 1)) throw new CliError('--count must be a positive number');
      const nc = await connectOnce(url).catch((err: unknown) => {
        throw new CliError(
          `cannot reach NATS at ${url} (${messageOf(err)}); set --nats or NATS_URL`,
        );
      });
      const prefix = new Subjects(subjectPrefix()).event('');
      let shown = 0;
      await new Promise<void>((resolve) => {
        nc.subscribe(`${prefix}>`, {
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
