// A TCP port number (1–65535), the check every resource and message with a port shares.
import { IsInt, Max, Min } from 'class-validator';

export function IsPort(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    for (const decorate of [IsInt(), Min(1), Max(65535)]) decorate(target, property);
  };
}
