import {
  grantedInboxPrefix,
  inboxPrefix,
  natsPermissions,
  permits,
  subjectMatches,
  type Entitlement,
  type NatsPermissions,
} from './nats-permissions.js';
import { Subjects } from './subjects.js';

const s = new Subjects('weft');
const web = { namespace: 'shop', service: 'web', serviceAccount: 'web-sa' };
const api = { namespace: 'shop', service: 'api', serviceAccount: 'api' };
const other = { namespace: 'bank', service: 'ledger', serviceAccount: 'ledger' };

const proxy: Entitlement = { role: 'proxy', identity: web };
const node: Entitlement = {
  role: 'node',
  identity: { namespace: 'infra', service: 'node', serviceAccount: 'node-a' },
  workloads: [web, other],
};
const router: Entitlement = {
  role: 'router',
  identity: { namespace: 'infra', service: 'router', serviceAccount: 'router' },
};

const pub = (p: NatsPermissions, subject: string): boolean => permits(p.pub, subject);
const sub = (p: NatsPermissions, subject: string, queue?: string): boolean =>
  permits(p.sub, subject, queue);

describe('subjectMatches', () => {
  it.each([
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.d', false],
    ['a.>', 'a.b.c', true],
    ['a.>', 'a', false],
    ['a.b', 'a.b.c', false],
    ['>', 'x', true],
    // A wildcard subscription is only as wide as the pattern allows.
    ['a.*', 'a.*', true],
    ['a.b', 'a.*', false],
    ['a.*', 'a.>', false],
    ['a.>', 'a.>', true],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('natsPermissions: a sidecar (proxy role)', () => {
  const p = natsPermissions(s, proxy);

  it('publishes heartbeats, ACKs, snapshots, access logs and CSRs only for its own identity', () => {
    expect(pub(p, s.health('shop', 'web', 'web-sa', 'web-1'))).toBe(true);
    expect(pub(p, s.health('shop', 'api', 'api', 'api-1'))).toBe(false);
    expect(pub(p, s.health('shop', 'web', 'api', 'web-1'))).toBe(false);
    expect(pub(p, s.health('bank', 'web', 'web-sa', 'web-1'))).toBe(false);
    expect(pub(p, s.proxyAck('shop', 'web', 'web-1'))).toBe(true);
    expect(pub(p, s.proxyAck('shop', 'api', 'api-1'))).toBe(false);
    expect(pub(p, s.telemetryMetrics('shop', 'web', 'web-1'))).toBe(true);
    expect(pub(p, s.telemetryMetrics('shop', 'api', 'api-1'))).toBe(false);
    expect(pub(p, s.accessLog('shop', 'web'))).toBe(true);
    expect(pub(p, s.accessLog('shop', 'api'))).toBe(false);
    expect(pub(p, s.caSign('shop', 'web-sa'))).toBe(true);
    expect(pub(p, s.caSign('shop', 'api'))).toBe(false);
  });

  it('calls any Service over the bus, but only as itself', () => {
    expect(pub(p, s.rpc('shop', 'api', 'shop', 'web-sa'))).toBe(true);
    expect(pub(p, s.rpc('bank', 'ledger', 'shop', 'web-sa'))).toBe(true);
    expect(pub(p, s.rpc('shop', 'api', 'shop', 'api'))).toBe(false);
    expect(pub(p, s.rpc('shop', 'api', 'bank', 'web-sa'))).toBe(false);
  });

  it('writes no bucket and none of the control plane subjects', () => {
    for (const subject of [
      '$KV.weft-config.httproute.shop.r',
      '$KV.weft-leader.control-plane',
      '$KV.weft-history.revision.7',
      '$JS.API.STREAM.CREATE.KV_weft-config',
      '$JS.API.STREAM.PURGE.KV_weft-config',
      '$JS.API.STREAM.MSG.DELETE.KV_weft-config',
      '$JS.API.STREAM.INFO.KV_weft-leader',
      '$JS.API.DIRECT.GET.KV_weft-leader.$KV.weft-leader.control-plane',
      // Nor in a named domain (a site's proxies address their cluster's as `$JS.<domain>.API`).
      '$JS.west.API.STREAM.CREATE.KV_weft-config',
      '$JS.west.API.STREAM.PURGE.KV_weft-config',
      '$JS.west.API.STREAM.INFO.KV_weft-leader',
      s.configAnnouncement('dst.shop.api'),
      s.configAnnouncement('snapshot'),
      s.controlPlaneReady,
      s.event('config.applied'),
      s.caBundle,
      // Only control planes announce exported Services to other clusters.
      s.clustersetExport('east', 'shop', 'api'),
    ]) {
      expect([subject, pub(p, subject)]).toEqual([subject, false]);
    }
  });

  it('reads single keys of the config bucket but creates no consumer', () => {
    expect(pub(p, '$JS.API.STREAM.INFO.KV_weft-config')).toBe(true);
    expect(pub(p, '$JS.API.DIRECT.GET.KV_weft-config.$KV.weft-config.dst.shop.api')).toBe(true);
    expect(pub(p, '$JS.API.STREAM.MSG.GET.KV_weft-config')).toBe(true);
    expect(pub(p, '$JS.API.CONSUMER.CREATE.KV_weft-config')).toBe(false);
  });

  it("reads them in a named domain too: a site's proxy reads its cluster's bucket across the leaf node", () => {
    expect(pub(p, '$JS.west.API.STREAM.INFO.KV_weft-config')).toBe(true);
    expect(pub(p, '$JS.west.API.DIRECT.GET.KV_weft-config.$KV.weft-config.dst.shop.api')).toBe(
      true,
    );
    expect(pub(p, '$JS.west.API.CONSUMER.CREATE.KV_weft-config')).toBe(false);
    expect(pub(p, '$JS.west.API.DIRECT.GET.KV_weft-history')).toBe(false);
  });

  it('replies to any inbox but subscribes only under its own prefix', () => {
    expect(pub(p, '_INBOX.bank.ledger.abc.1')).toBe(true);
    expect(inboxPrefix(proxy)).toBe('_INBOX.shop.web-sa');
    expect(sub(p, '_INBOX.shop.web-sa.abc.*')).toBe(true);
    expect(sub(p, '_INBOX.bank.ledger.abc.*')).toBe(false);
    expect(sub(p, '_INBOX.>')).toBe(false);
    expect(grantedInboxPrefix(p.sub.allow)).toBe('_INBOX.shop.web-sa');
  });

  it("answers its namespace's rpc subjects only in each Service's queue group", () => {
    const subject = s.rpcFromAnyCaller('shop', 'web');
    expect(sub(p, subject, s.rpcQueue('shop', 'web'))).toBe(true);
    // A Service selecting the instance by label (`web-v2`) in the same namespace.
    expect(sub(p, s.rpcFromAnyCaller('shop', 'web-v2'), s.rpcQueue('shop', 'web-v2'))).toBe(true);
    expect(sub(p, subject)).toBe(false);
    expect(sub(p, subject, 'snoop')).toBe(false);
    expect(sub(p, s.rpcFromAnyCaller('bank', 'ledger'), s.rpcQueue('bank', 'ledger'))).toBe(false);
  });

  it('follows announcements, the control plane ready event and the trust bundle', () => {
    expect(sub(p, s.configAnnouncement('dst.shop.api'))).toBe(true);
    expect(sub(p, s.controlPlaneReady)).toBe(true);
    expect(sub(p, s.caBundle)).toBe(true);
    expect(sub(p, '$SRV.PING')).toBe(true);
    expect(sub(p, s.healthAll)).toBe(false);
    expect(sub(p, s.caSignAll)).toBe(false);
    expect(sub(p, s.event('config.applied'))).toBe(false);
  });
});

describe('natsPermissions: a node proxy', () => {
  const p = natsPermissions(s, node);

  it('heartbeats and signs for each of its workloads, reports as itself', () => {
    expect(pub(p, s.health('shop', 'web', 'web-sa', 'web-1'))).toBe(true);
    expect(pub(p, s.health('bank', 'ledger', 'ledger', 'l-1'))).toBe(true);
    expect(pub(p, s.health('shop', 'api', 'api', 'api-1'))).toBe(false);
    expect(pub(p, s.caSign('bank', 'ledger'))).toBe(true);
    expect(pub(p, s.caSign('infra', 'node-a'))).toBe(true);
    expect(pub(p, s.caSign('shop', 'api'))).toBe(false);
    expect(pub(p, s.accessLog('bank', 'ledger'))).toBe(true);
    expect(pub(p, s.accessLog('infra', 'node'))).toBe(true);
    expect(pub(p, s.proxyAck('infra', 'node', 'node-a'))).toBe(true);
    expect(pub(p, s.proxyAck('shop', 'web', 'node-a'))).toBe(false);
    expect(pub(p, s.rpc('shop', 'api', 'infra', 'node-a'))).toBe(true);
    expect(pub(p, s.rpc('shop', 'api', 'shop', 'web-sa'))).toBe(false);
  });

  it("answers the rpc subjects of its workloads' namespaces", () => {
    expect(sub(p, s.rpcFromAnyCaller('bank', 'ledger'), s.rpcQueue('bank', 'ledger'))).toBe(true);
    expect(sub(p, s.rpcFromAnyCaller('shop', 'web'), s.rpcQueue('shop', 'web'))).toBe(true);
    expect(sub(p, s.rpcFromAnyCaller('infra', 'x'), s.rpcQueue('infra', 'x'))).toBe(false);
    expect(grantedInboxPrefix(p.sub.allow)).toBe('_INBOX.infra.node-a');
  });
});

describe('natsPermissions: a router', () => {
  const p = natsPermissions(s, router);

  it('watches the config bucket and answers every rpc subject in the routers queue group', () => {
    expect(pub(p, '$JS.API.CONSUMER.CREATE.KV_weft-config')).toBe(true);
    expect(pub(p, '$JS.API.CONSUMER.CREATE.KV_weft-history')).toBe(false);
    expect(pub(p, '$JS.west.API.CONSUMER.CREATE.KV_weft-config.abc')).toBe(true);
    expect(pub(p, '$JS.west.API.CONSUMER.CREATE.KV_weft-history')).toBe(false);
    expect(pub(p, '$JS.FC.KV_weft-config.abc.1')).toBe(true);
    expect(sub(p, s.rpcFromAnyCaller('shop', 'api'), s.routerQueue)).toBe(true);
    expect(sub(p, s.rpcFromAnyCaller('shop', 'api'), s.rpcQueue('shop', 'api'))).toBe(false);
    expect(sub(p, s.rpcFromAnyCaller('shop', 'api'))).toBe(false);
  });

  it('sends no heartbeats and reports as itself', () => {
    expect(pub(p, s.health('infra', 'router', 'router', 'r1'))).toBe(false);
    expect(pub(p, s.proxyAck('infra', 'router', 'r1'))).toBe(true);
    expect(pub(p, s.proxyAck('shop', 'api', 'r1'))).toBe(false);
    expect(pub(p, '$KV.weft-config.x')).toBe(false);
  });

  it('hears the export announcements (an east-west gateway routes by them) and makes none', () => {
    expect(sub(p, s.clustersetExport('west', 'shop', 'api'))).toBe(true);
    expect(pub(p, s.clustersetExport('west', 'shop', 'api'))).toBe(false);
  });
});

describe('natsPermissions: CLI users and the control plane', () => {
  const read = natsPermissions(s, { role: 'cli-read', name: 'alice' });
  const admin = natsPermissions(s, { role: 'cli-admin', name: 'bob' });
  const cp = natsPermissions(s, { role: 'control-plane' });

  it('cli-read follows events, telemetry, health and ACKs, and reads the config bucket', () => {
    for (const subject of [
      s.event('config.applied'),
      s.accessLog('shop', 'web'),
      s.telemetryMetrics('shop', 'web', 'web-1'),
      s.health('shop', 'web', 'web-sa', 'web-1'),
      s.proxyAck('shop', 'web', 'web-1'),
    ]) {
      expect([subject, sub(read, subject)]).toEqual([subject, true]);
    }
    expect(pub(read, '$JS.API.INFO')).toBe(true);
    expect(pub(read, '$JS.API.STREAM.INFO.KV_weft-config')).toBe(true);
    expect(pub(read, '$JS.API.STREAM.INFO.KV_weft-history')).toBe(false);
    expect(pub(read, s.health('shop', 'web', 'web-sa', 'web-1'))).toBe(false);
    expect(pub(read, '$KV.weft-config.x')).toBe(false);
    expect(grantedInboxPrefix(read.sub.allow)).toBe('_INBOX._cli.alice');
    expect(sub(read, '_INBOX._cli.bob.x')).toBe(false);
  });

  it('cli-admin also reads the history and leader buckets, and still writes none', () => {
    expect(pub(admin, '$JS.API.STREAM.INFO.KV_weft-history')).toBe(true);
    expect(pub(admin, '$JS.API.DIRECT.GET.KV_weft-leader')).toBe(true);
    expect(pub(admin, '$KV.weft-leader.control-plane')).toBe(false);
  });

  it('the control plane may do everything in its account', () => {
    expect(pub(cp, '$KV.weft-config.x')).toBe(true);
    expect(sub(cp, s.caSignAll, 'weft-ca')).toBe(true);
    expect(inboxPrefix({ role: 'control-plane' })).toBe('_INBOX');
    expect(grantedInboxPrefix(cp.sub.allow)).toBeUndefined();
  });

  it('keeps inbox prefixes of CLI users and workloads apart', () => {
    // `_` starts no DNS label, so no namespace can be `_cli`.
    expect(inboxPrefix({ role: 'cli-read', name: 'shop' })).toBe('_INBOX._cli.shop');
    expect(inboxPrefix({ role: 'router', identity: { ...api, namespace: 'shop' } })).toBe(
      '_INBOX.shop.api',
    );
  });
});

describe('natsPermissions: the link between two clusters', () => {
  const link = natsPermissions(s, { role: 'cluster-link' });

  it('carries bus calls, their inboxes and the clusterset announcements, both ways', () => {
    for (const p of [link.pub, link.sub]) {
      for (const subject of [
        s.rpc('shop', 'api', 'shop', 'web-sa'),
        '_INBOX.shop.web-sa.x1.2',
        s.clustersetExport('east', 'shop', 'api'),
      ]) {
        expect([subject, permits(p, subject)]).toEqual([subject, true]);
      }
    }
  });

  it("carries nothing of a cluster's own: config, health, ACKs, telemetry, certificates, JetStream", () => {
    for (const p of [link.pub, link.sub]) {
      for (const subject of [
        s.configAnnouncement('dst.shop.api'),
        s.health('shop', 'api', 'api', 'i1'),
        s.proxyAck('shop', 'api', 'p1'),
        s.telemetryMetrics('shop', 'api', 'p1'),
        s.accessLog('shop', 'api'),
        s.caSign('shop', 'api'),
        s.caBundle,
        s.controlPlaneReady,
        '$KV.weft-config.service.shop.api',
        '$JS.API.STREAM.INFO.KV_weft-config',
        '$SYS.REQ.SERVER.PING',
      ]) {
        expect([subject, permits(p, subject)]).toEqual([subject, false]);
      }
    }
  });
});

describe("natsPermissions: a site's link", () => {
  const kiosk = { namespace: 'shop', service: 'kiosk', serviceAccount: 'kiosk' };
  const p = natsPermissions(s, { role: 'site-link', workloads: [kiosk] });

  it("carries its workloads' reports and config reads out, and bus calls both ways", () => {
    expect(pub(p, s.health('shop', 'kiosk', 'kiosk', 'k1'))).toBe(true);
    expect(pub(p, s.proxyAck('shop', 'kiosk', 'k1'))).toBe(true);
    expect(pub(p, s.caSign('shop', 'kiosk'))).toBe(true);
    expect(pub(p, '$JS.west.API.DIRECT.GET.KV_weft-config.$KV.weft-config.dst.shop.api')).toBe(
      true,
    );
    expect(pub(p, s.rpc('shop', 'api', 'shop', 'kiosk'))).toBe(true);
    expect(sub(p, s.rpcFromAnyCaller('shop', 'kiosk'))).toBe(true);
    expect(sub(p, s.configAnnouncement('dst.shop.api'))).toBe(true);
    expect(sub(p, '_INBOX.shop.kiosk.abc.1')).toBe(true);
  });

  it('carries nothing out for other workloads, no write, and no call into other namespaces', () => {
    for (const subject of [
      s.health('shop', 'api', 'api', 'a1'),
      s.accessLog('shop', 'api'),
      s.caSign('shop', 'api'),
      '$KV.weft-config.service.shop.api',
      '$JS.west.API.STREAM.PURGE.KV_weft-config',
      '$JS.west.API.STREAM.INFO.KV_weft-history',
      s.configAnnouncement('dst.shop.api'),
      s.clustersetExport('west', 'shop', 'kiosk'),
    ]) {
      expect([subject, pub(p, subject)]).toEqual([subject, false]);
    }
    expect(sub(p, s.rpcFromAnyCaller('bank', 'ledger'))).toBe(false);
    expect(sub(p, s.health('shop', 'api', 'api', 'a1'))).toBe(false);
  });
});
