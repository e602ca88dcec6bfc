// Leader election: which replica holds the lease and writes. The forwarding of writes that reach a
// follower is middleware the admin API applies to its write routes.
import { Module } from '@nestjs/common';
import { LeaderElection } from './leader-election.service.js';

@Module({
  providers: [LeaderElection],
  exports: [LeaderElection],
})
export class LeaderModule {}
