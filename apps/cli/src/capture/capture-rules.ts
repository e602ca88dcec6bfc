// The iptables nat rules of transparent capture (Istio's istio-iptables, Linkerd's proxy-init), as iptables-restore input.

/** A port list: every TCP port, or these ports (an empty list captures none). */
export type PortSet = 'all' | readonly number[];
/** A destination list: every address, or these IPv4 CIDRs. */
export type CidrSet = 'all' | readonly string[];

export interface CaptureSettings {
  /** The proxy's uid: its own connections are never redirected (it would loop to itself). */
  readonly uid: number;
  /** Optionally the proxy's gid, excluded the same way. */
  readonly gid?: number;
  /** The sidecar's inbound listener: connections arriving for captured ports go there. */
  readonly inboundPort: number;
  /** The sidecar's outbound listener: the app's connections to captured ports go there. */
  readonly outboundPort: number;
  /** Inbound destination ports captured (the app's ports). */
  readonly inboundPorts: PortSet;
  /** Inbound ports never captured, on top of the proxy's own (inbound, outbound, admin). */
  readonly excludeInboundPorts: readonly number[];
  /** Outbound destination ports captured (HTTP ports: the outbound listener speaks HTTP only). */
  readonly outboundPorts: PortSet;
  readonly excludeOutboundPorts: readonly number[];
  /** Outbound destinations captured. */
  readonly outboundCidrs: CidrSet;
  readonly excludeOutboundCidrs: readonly string[];
  /** The proxy's admin port: kubelet probes and Prometheus reach it directly. */
  readonly adminPort: number;
}

/** Weft's chains in the nat table, and the built-in chains that jump to them. */
export const CHAINS = {
  inbound: 'WEFT_INBOUND',
  inboundRedirect: 'WEFT_IN_REDIRECT',
  outbound: 'WEFT_OUTPUT',
  outboundRedirect: 'WEFT_OUT_REDIRECT',
} as const;
const OWN_CHAINS = Object.values(CHAINS);
const JUMPS = [
  { from: 'PREROUTING', rule: `-p tcp -j ${CHAINS.inbound}` },
  { from: 'OUTPUT', rule: `-p tcp -j ${CHAINS.outbound}` },
] as const;

/** What `iptables-save -t nat` shows of an earlier capture: which chains and jumps exist. */
export interface CaptureState {
  readonly chains: ReadonlySet<string>;
  /** `-A <chain> …` lines of the built-in chains that jump to a Weft chain, as saved. */
  readonly jumps: readonly string[];
}

export const NO_CAPTURE: CaptureState = { chains: new Set(), jumps: [] };

/** Reads the Weft parts of `iptables-save -t nat` output. */
export function parseCaptureState(saved: string): CaptureState {
  const chains = new Set<string>();
  const jumps: string[] = [];
  for (const line of saved.split('\n').map((l) => l.trim())) {
    const declared = /^:(\S+) /.exec(line);
    if (declared && (OWN_CHAINS as readonly string[]).includes(declared[1]))
      chains.add(declared[1]);
    const jump = /^-A (PREROUTING|OUTPUT) .*-j (\S+)$/.exec(line);
    if (jump && (OWN_CHAINS as readonly string[]).includes(jump[2])) jumps.push(line);
  }
  return { chains, jumps };
}

/**
 * The iptables-restore input (for `--noflush`) that leaves exactly `settings`' rules in place: Weft's
 * chains are declared and flushed, refilled, and jumped to from PREROUTING and OUTPUT unless such a
 * jump exists already; so applying twice gives the same tables, and new settings replace old ones.
 */
export function applyScript(settings: CaptureSettings, state: CaptureState): string {
  const jumps = JUMPS.filter((j) => !state.jumps.includes(`-A ${j.from} ${j.rule}`)).map(
    (j) => `-A ${j.from} ${j.rule}`,
  );
  return table([
    ...OWN_CHAINS.map((c) => `:${c} - [0:0]`),
    ...OWN_CHAINS.map((c) => `-F ${c}`),
    ...inboundRules(settings),
    ...outboundRules(settings),
    ...jumps,
  ]);
}

/** The iptables-restore input that removes every Weft jump and chain `state` shows; none when clean. */
export function cleanupScript(state: CaptureState): string | undefined {
  if (state.chains.size === 0 && state.jumps.length === 0) return undefined;
  const present = OWN_CHAINS.filter((c) => state.chains.has(c));
  return table([
    ...state.jumps.map((line) => line.replace(/^-A /, '-D ')),
    // Flush all before deleting any: WEFT_INBOUND refers to WEFT_IN_REDIRECT.
    ...present.map((c) => `-F ${c}`),
    ...present.map((c) => `-X ${c}`),
  ]);
}

function table(lines: readonly string[]): string {
  return ['*nat', ...lines, 'COMMIT', ''].join('\n');
}

function inboundRules(s: CaptureSettings): string[] {
  const rules = [`-A ${CHAINS.inboundRedirect} -p tcp -j REDIRECT --to-ports ${s.inboundPort}`];
  const excluded = unique([s.inboundPort, s.outboundPort, s.adminPort, ...s.excludeInboundPorts]);
  rules.push(...excluded.map((p) => `-A ${CHAINS.inbound} -p tcp --dport ${p} -j RETURN`));
  const to = `-j ${CHAINS.inboundRedirect}`;
  if (s.inboundPorts === 'all') rules.push(`-A ${CHAINS.inbound} -p tcp ${to}`);
  else rules.push(...s.inboundPorts.map((p) => `-A ${CHAINS.inbound} -p tcp --dport ${p} ${to}`));
  return rules;
}

function outboundRules(s: CaptureSettings): string[] {
  const chain = `-A ${CHAINS.outbound}`;
  const rules = [
    `-A ${CHAINS.outboundRedirect} -p tcp -j REDIRECT --to-ports ${s.outboundPort}`,
    // The proxy's own connections (upstream calls, NATS) go where they were sent.
    `${chain} -m owner --uid-owner ${s.uid} -j RETURN`,
  ];
  if (s.gid !== undefined) rules.push(`${chain} -m owner --gid-owner ${s.gid} -j RETURN`);
  // Local destinations (127.0.0.1, the pod's own addresses) are the pod's own business.
  rules.push(`${chain} -o lo -j RETURN`);
  rules.push(...s.excludeOutboundCidrs.map((c) => `${chain} -d ${c} -j RETURN`));
  rules.push(
    ...unique(s.excludeOutboundPorts).map((p) => `${chain} -p tcp --dport ${p} -j RETURN`),
  );
  const cidrs = s.outboundCidrs === 'all' ? [''] : s.outboundCidrs.map((c) => ` -d ${c}`);
  const ports = s.outboundPorts === 'all' ? [''] : s.outboundPorts.map((p) => ` --dport ${p}`);
  for (const cidr of cidrs) {
    for (const port of ports) {
      rules.push(`${chain}${cidr} -p tcp${port} -j ${CHAINS.outboundRedirect}`);
    }
  }
  return rules;
}

function unique(ports: readonly number[]): number[] {
  return [...new Set(ports)];
}
