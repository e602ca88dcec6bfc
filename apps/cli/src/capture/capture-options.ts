// `weft init-capture`'s options, as typed: each bad value refused naming its option.
import type { CaptureSettings, CidrSet, PortSet } from './capture-rules.js';

/** The command-line strings, before checking. */
export interface CaptureFlags {
  readonly uid: string;
  readonly gid?: string;
  readonly inboundPort: string;
  readonly outboundPort: string;
  readonly adminPort: string;
  readonly inboundPorts: string;
  readonly excludeInboundPorts: string;
  readonly outboundPorts: string;
  readonly excludeOutboundPorts: string;
  readonly outboundCidrs: string;
  readonly excludeOutboundCidrs: string;
}

/** A value refused, with the reason. */
class Invalid {
  constructor(readonly reason: string) {}
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const MAX_ID = 2 ** 32 - 2;

/** The settings, or the list of `--option value: reason` errors. */
export function parseCaptureFlags(
  flags: CaptureFlags,
): { ok: true; settings: CaptureSettings } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const check = <T>(option: string, value: string, parse: (v: string) => T | Invalid): T => {
    const parsed = parse(value);
    if (parsed instanceof Invalid) {
      errors.push(`--${option} ${JSON.stringify(value)}: ${parsed.reason}`);
    }
    return parsed as T;
  };
  const settings: CaptureSettings = {
    uid: check('uid', flags.uid, id),
    gid: flags.gid === undefined ? undefined : check('gid', flags.gid, id),
    inboundPort: check('inbound-port', flags.inboundPort, port),
    outboundPort: check('outbound-port', flags.outboundPort, port),
    adminPort: check('admin-port', flags.adminPort, port),
    inboundPorts: check('inbound-ports', flags.inboundPorts, portSet),
    excludeInboundPorts: check('exclude-inbound-ports', flags.excludeInboundPorts, ports),
    outboundPorts: check('outbound-ports', flags.outboundPorts, portSet),
    excludeOutboundPorts: check('exclude-outbound-ports', flags.excludeOutboundPorts, ports),
    outboundCidrs: check('outbound-cidrs', flags.outboundCidrs, cidrSet),
    excludeOutboundCidrs: check('exclude-outbound-cidrs', flags.excludeOutboundCidrs, cidrs),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings };
}

function id(value: string): number | Invalid {
  const n = Number(value);
  return /^\d+$/.test(value) && n <= MAX_ID ? n : new Invalid('must be a numeric id');
}

function port(value: string): number | Invalid {
  const n = Number(value);
  return /^\d+$/.test(value) && n >= 1 && n <= 65535
    ? n
    : new Invalid(`${value || '""'} is not a port from 1 to 65535`);
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function ports(value: string): number[] | Invalid {
  const parsed = list(value).map(port);
  const bad = parsed.find((p) => p instanceof Invalid);
  return bad ?? (parsed as number[]);
}

/** `*` for every port, else a comma-separated list (empty: none). */
function portSet(value: string): PortSet | Invalid {
  return value.trim() === '*' ? 'all' : ports(value);
}

function isCidr(value: string): boolean {
  const m = IPV4_CIDR.exec(value);
  return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

function cidrs(value: string): string[] | Invalid {
  const items = list(value);
  const bad = items.find((c) => !isCidr(c));
  return bad === undefined ? items : new Invalid(`${bad} is not an IPv4 CIDR (a.b.c.d/n)`);
}

/** `*` for every destination, else a comma-separated list of IPv4 CIDRs. */
function cidrSet(value: string): CidrSet | Invalid {
  return value.trim() === '*' ? 'all' : cidrs(value);
}
