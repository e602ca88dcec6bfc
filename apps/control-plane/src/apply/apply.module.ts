// The apply path every source takes (admin API, CLI, config folder): validate, store, annotate.
import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module.js';
import { StatusModule } from '../status/status.module.js';
import { ApplyService } from './apply.service.js';
import { ConfigDirService } from './config-dir.service.js';

@Module({
  imports: [ConfigModule, StatusModule],
  providers: [ApplyService, ConfigDirService],
  exports: [ApplyService, ConfigDirService],
})
export class ApplyModule {}
