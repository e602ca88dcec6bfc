// The mesh CA as a feature module: the authority every replica holds, the signing responder, the
// leader's rotation driver and the admin routes (`/v1/ca`).
import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { LeaderForwardingMiddleware } from '../leader/leader-forwarding.middleware.js';
import { LeaderModule } from '../leader/leader.module.js';
import { ProxiesModule } from '../proxies/proxies.module.js';
import { CaController } from './ca.controller.js';
import { CaSignResponder } from './ca-sign.responder.js';
import { CertificateAuthority } from './certificate-authority.service.js';
import { RootRotation } from './root-rotation.service.js';

@Module({
  imports: [LeaderModule, ProxiesModule],
  controllers: [CaController],
  providers: [CertificateAuthority, CaSignResponder, RootRotation],
})
export class CaModule implements NestModule {
  /** A rotation starts on the leader: a follower forwards the request to it. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(LeaderForwardingMiddleware)
      .forRoutes({ path: 'v1/ca/rotate', method: RequestMethod.POST });
  }
}
