// Cross-field rules of a Gateway's listeners, as Gateway API states them (and one of Weft's own).
import { registerDecorator, type ValidationArguments } from 'class-validator';

interface ListenerLike {
  name?: unknown;
  port?: unknown;
  protocol?: unknown;
  hostname?: unknown;
  tls?: unknown;
}

/**
 * Why `listeners` cannot stand together, or undefined when they can: names are unique, and so is
 * port + protocol + hostname (Gateway API). Weft also refuses HTTP and HTTPS on one port, which
 * Gateway API reports as a `ProtocolConflict` at run time: one port is one kind of server here.
 */
export function listenersProblem(listeners: readonly ListenerLike[]): string | undefined {
  for (let i = 0; i < listeners.length; i++) {
    const l = listeners[i];
    for (let j = 0; j < i; j++) {
      const other = listeners[j];
      if (l.name === other.name) return `[${i}].name "${String(l.name)}" is taken by [${j}]`;
      if (l.port !== other.port) continue;
      if (l.protocol !== other.protocol) {
        return (
          `[${i}] (${String(l.protocol)}) and [${j}] (${String(other.protocol)}) share port ` +
          `${String(l.port)}; listeners on one port must have one protocol`
        );
      }
      if ((l.hostname ?? '') === (other.hostname ?? '')) {
        return `[${i}] repeats the port, protocol and hostname of [${j}]`;
      }
    }
  }
  return undefined;
}

export function ListenersConsistent(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'listenersConsistent',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) =>
          `listeners ${listenersProblem(args.value as ListenerLike[]) ?? 'are inconsistent'}`,
      },
      validator: {
        validate: (value: unknown) =>
          !Array.isArray(value) || listenersProblem(value as ListenerLike[]) === undefined,
      },
    });
  };
}

/** `tls` is required for HTTPS and must not be set for HTTP. */
export function TlsFitsProtocol(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'tlsFitsProtocol',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) =>
          `tls must not be set for protocol ${String((args.object as ListenerLike).protocol)}`,
      },
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          (args.object as ListenerLike).protocol === 'HTTPS'
            ? value !== undefined
            : value === undefined,
      },
    });
  };
}
