// What every message about one Service starts with: the protocol version and the Service's name.
import { Matches } from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';

export abstract class ServiceMessage {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace!: string;

  @Matches(DNS_LABEL, { message: `service ${DNS_LABEL_MESSAGE}` })
  service!: string;
}
