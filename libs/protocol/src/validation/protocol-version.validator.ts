// The `v` every message carries: this build's protocol version, or the message is refused saying so.
import { Equals } from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';

export function IsProtocolVersion(): PropertyDecorator {
  return Equals(PROTOCOL_VERSION, {
    message: `v must be ${PROTOCOL_VERSION} (the protocol version this build speaks)`,
  });
}
