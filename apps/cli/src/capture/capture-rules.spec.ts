// The capture rules as iptables-restore input: exemptions before redirects, idempotent jumps, complete cleanup.
import { parseCaptureFlags, type CaptureFlags } from './capture-options.js';
import {
  applyScript,
  cleanupScript,
  NO_CAPTURE,
  parseCaptureState,
  type CaptureSettings,
} from './capture-rules.js';

const FLAGS: CaptureFlags = {
  uid: '1337',
  inboundPort: '15006',
  outboundPort: '15001',
  adminPort: '15000',
  inboundPorts: '*',
  excludeInboundPorts: '',
  outboundPorts: '80',
  excludeOutboundPorts: '',
  outboundCidrs: '*',
  excludeOutboundCidrs: '',
};

function settings(flags: Partial<CaptureFlags> = {}): CaptureSettings {
  const parsed = parseCaptureFlags({ ...FLAGS, ...flags });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.settings;
}

const lines = (script: string): string[] => script.split('\n').filter(Boolean);

/** What iptables-save prints after the default capture was applied once. */
const SAVED = `*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:WEFT_INBOUND - [0:0]
:WEFT_IN_REDIRECT - [0:0]
:WEFT_OUTPUT - [0:0]
:WEFT_OUT_REDIRECT - [0:0]
-A PREROUTING -p tcp -j WEFT_INBOUND
-A OUTPUT -p tcp -j WEFT_OUTPUT
-A OUTPUT -p tcp -j KUBE-SOMETHING
-A WEFT_OUTPUT -m owner --uid-owner 1337 -j RETURN
COMMIT
`;

describe('applyScript', () => {
  it('exempts the proxy uid and loopback before any outbound redirect', () => {
    const out = lines(applyScript(settings(), NO_CAPTURE)).filter((l) =>
      l.startsWith('-A WEFT_OUTPUT'),
    );
    expect(out).toEqual([
      '-A WEFT_OUTPUT -m owner --uid-owner 1337 -j RETURN',
      '-A WEFT_OUTPUT -o lo -j RETURN',
      '-A WEFT_OUTPUT -p tcp --dport 80 -j WEFT_OUT_REDIRECT',
    ]);
  });

  it("never captures the proxy's own inbound, outbound and admin ports, nor excluded ones", () => {
    const inbound = lines(
      applyScript(settings({ excludeInboundPorts: '9090' }), NO_CAPTURE),
    ).filter((l) => l.startsWith('-A WEFT_INBOUND'));
    expect(inbound).toEqual([
      '-A WEFT_INBOUND -p tcp --dport 15006 -j RETURN',
      '-A WEFT_INBOUND -p tcp --dport 15001 -j RETURN',
      '-A WEFT_INBOUND -p tcp --dport 15000 -j RETURN',
      '-A WEFT_INBOUND -p tcp --dport 9090 -j RETURN',
      '-A WEFT_INBOUND -p tcp -j WEFT_IN_REDIRECT',
    ]);
  });

  it('captures listed ports to listed CIDRs, after the exclusions', () => {
    const script = applyScript(
      settings({
        gid: '1337',
        outboundPorts: '80,8080',
        outboundCidrs: '10.96.0.0/12',
        excludeOutboundCidrs: '10.96.0.1/32',
        excludeOutboundPorts: '5432',
        inboundPorts: '8080',
      }),
      NO_CAPTURE,
    );
    expect(lines(script).filter((l) => /^-A WEFT_(OUTPUT|INBOUND) /.test(l))).toEqual([
      '-A WEFT_INBOUND -p tcp --dport 15006 -j RETURN',
      '-A WEFT_INBOUND -p tcp --dport 15001 -j RETURN',
      '-A WEFT_INBOUND -p tcp --dport 15000 -j RETURN',
      '-A WEFT_INBOUND -p tcp --dport 8080 -j WEFT_IN_REDIRECT',
      '-A WEFT_OUTPUT -m owner --uid-owner 1337 -j RETURN',
      '-A WEFT_OUTPUT -m owner --gid-owner 1337 -j RETURN',
      '-A WEFT_OUTPUT -o lo -j RETURN',
      '-A WEFT_OUTPUT -d 10.96.0.1/32 -j RETURN',
      '-A WEFT_OUTPUT -p tcp --dport 5432 -j RETURN',
      '-A WEFT_OUTPUT -d 10.96.0.0/12 -p tcp --dport 80 -j WEFT_OUT_REDIRECT',
      '-A WEFT_OUTPUT -d 10.96.0.0/12 -p tcp --dport 8080 -j WEFT_OUT_REDIRECT',
    ]);
  });

  it('declares and flushes its chains, and adds the jumps only where they are missing', () => {
    const fresh = lines(applyScript(settings(), NO_CAPTURE));
    expect(fresh).toContain('-F WEFT_OUTPUT');
    expect(fresh).toContain('-A PREROUTING -p tcp -j WEFT_INBOUND');
    expect(fresh).toContain('-A OUTPUT -p tcp -j WEFT_OUTPUT');
    const again = lines(applyScript(settings(), parseCaptureState(SAVED)));
    expect(again.filter((l) => /^-A (PREROUTING|OUTPUT) /.test(l))).toEqual([]);
    expect(again[0]).toBe('*nat');
    expect(again.at(-1)).toBe('COMMIT');
  });
});

describe('cleanupScript', () => {
  it("deletes Weft's jumps, then flushes and deletes its chains, leaving other rules alone", () => {
    expect(lines(cleanupScript(parseCaptureState(SAVED)) ?? '')).toEqual([
      '*nat',
      '-D PREROUTING -p tcp -j WEFT_INBOUND',
      '-D OUTPUT -p tcp -j WEFT_OUTPUT',
      '-F WEFT_INBOUND',
      '-F WEFT_IN_REDIRECT',
      '-F WEFT_OUTPUT',
      '-F WEFT_OUT_REDIRECT',
      '-X WEFT_INBOUND',
      '-X WEFT_IN_REDIRECT',
      '-X WEFT_OUTPUT',
      '-X WEFT_OUT_REDIRECT',
      'COMMIT',
    ]);
  });

  it('has nothing to do on a clean table', () => {
    expect(
      cleanupScript(parseCaptureState('*nat\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n')),
    ).toBeUndefined();
  });
});

describe('parseCaptureFlags', () => {
  it('names every bad option with its value and the reason', () => {
    const parsed = parseCaptureFlags({
      ...FLAGS,
      uid: 'proxy',
      outboundPorts: '80,0',
      excludeOutboundCidrs: '10.0.0.0/8,300.1.1.1/32',
      inboundPort: '70000',
    });
    expect(parsed).toEqual({
      ok: false,
      errors: [
        '--uid "proxy": must be a numeric id',
        '--inbound-port "70000": 70000 is not a port from 1 to 65535',
        '--outbound-ports "80,0": 0 is not a port from 1 to 65535',
        '--exclude-outbound-cidrs "10.0.0.0/8,300.1.1.1/32": 300.1.1.1/32 is not an IPv4 CIDR (a.b.c.d/n)',
      ],
    });
  });

  it('reads * as every port or destination, and an empty list as none', () => {
    expect(settings({ outboundPorts: '*', outboundCidrs: '*', inboundPorts: '' })).toMatchObject({
      outboundPorts: 'all',
      outboundCidrs: 'all',
      inboundPorts: [],
    });
  });
});
