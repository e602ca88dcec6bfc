// What every message a proxy sends about itself starts with: protocol version and who is speaking.
import { IsIn, Matches } from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';
import { SUBJECT_TOKEN } from '../subjects.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import { PROXY_MODES, type ProxyMode } from './heartbeat.dto.js';

export class ProxyReport {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @Matches(SUBJECT_TOKEN, { message: 'proxyId must contain only letters, digits, "-" and "_"' })
  proxyId!: string;

  @IsIn(PROXY_MODES)
  mode!: ProxyMode;

  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace!: string;

  @Matches(DNS_LABEL, { message: `service ${DNS_LABEL_MESSAGE}` })
  service!: string;
}
