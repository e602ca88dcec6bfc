// The proxy's ConfigFollower as a Nest provider: what it reads (the config bucket over NATS), where it
// applies (the engine's route configurator), whom it tells (ConfigReports), its disk cache.
import type { FactoryProvider } from '@nestjs/common';
import { join } from 'node:path';
import { Subjects } from '@app/protocol';
import { LOGGER, NatsClient, type Logger } from '@app/runtime';
import { natsConfigFeed } from '../config/config-feed.js';
import {
  CONFIG_FOLLOWER,
  createConfigFollower,
  type ConfigFollower,
} from '../config/config-follower.js';
import { SnapshotCache } from '../config/snapshot-cache.js';
import { DataPlaneEngine } from '../engine.js';
import { ConfigReports } from './config-reports.service.js';
import type { ProxyOptions } from './proxy-options.js';

export function configFollowerProvider(proxy: ProxyOptions): FactoryProvider<ConfigFollower> {
  return {
    provide: CONFIG_FOLLOWER,
    useFactory: (
      engine: DataPlaneEngine,
      reports: ConfigReports,
      nats: NatsClient,
      log: Logger,
    ) => {
      const subjects = new Subjects(proxy.subjectPrefix);
      const { namespace, service } = proxy.identity;
      const file = `${proxy.subjectPrefix}-${namespace}-${service}.json`;
      return createConfigFollower(
        {
          feed: natsConfigFeed(() => nats.connection, subjects.configBucket, proxy.jetstreamDomain),
          target: engine.configurator,
          cache: new SnapshotCache(join(proxy.stateDir, file)),
          events: reports,
          log,
          subjects,
        },
        proxy.scope,
      );
    },
    inject: [DataPlaneEngine, ConfigReports, NatsClient, LOGGER],
  };
}
