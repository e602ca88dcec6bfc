// Sidecar injection as a feature module: the mutating webhook, served when WEFT_INJECTION_PORT is set.
import { Module } from '@nestjs/common';
import { InjectionWebhook } from './injection-webhook.service.js';

@Module({ providers: [InjectionWebhook] })
export class InjectionModule {}
