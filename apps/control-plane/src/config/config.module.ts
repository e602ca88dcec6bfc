// The desired state: the config store (apply plan + KV commit), its history and its announcements.
import { Module } from '@nestjs/common';
import { LeaderModule } from '../leader/leader.module.js';
import { ConfigAnnouncer } from './config-announcer.service.js';
import { ConfigStore } from './config-store.service.js';
import { HistoryStore } from './history-store.service.js';

@Module({
  imports: [LeaderModule],
  providers: [ConfigStore, ConfigAnnouncer, HistoryStore],
  exports: [ConfigStore, ConfigAnnouncer, HistoryStore],
})
export class ConfigModule {}
