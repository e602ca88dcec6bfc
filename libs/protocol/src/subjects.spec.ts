import { rpcCaller, Subjects } from './subjects.js';

describe('Subjects: identities in fixed token positions', () => {
  const s = new Subjects('weft');

  it('puts the instance identity in its health subject', () => {
    expect(s.health('shop', 'web', 'web-sa', 'web-1')).toBe('weft.v1.health.shop.web.web-sa.web-1');
  });

  it('puts the reporting proxy under its Service in ACK and snapshot subjects', () => {
    expect(s.proxyAck('shop', 'web', 'web-1')).toBe('weft.v1.proxy.shop.web.web-1.ack');
    expect(s.telemetryMetrics('shop', 'web', 'web-1')).toBe(
      'weft.v1.telemetry.metrics.shop.web.web-1',
    );
  });

  it('ends a bus call with its caller, which rpcCaller reads back', () => {
    const subject = s.rpc('bank', 'ledger', 'shop', 'web-sa');
    expect(subject).toBe('weft.v1.rpc.bank.ledger.shop.web-sa');
    expect(rpcCaller(subject)).toEqual({ namespace: 'shop', serviceAccount: 'web-sa' });
  });

  it.each(['weft', 'weft.v1.rpc.bank.ledger.shop.Web', 'weft.v1.rpc.bank.ledger.shop.', 'x.'])(
    'rpcCaller rejects %j',
    (subject) => {
      expect(rpcCaller(subject)).toBeUndefined();
    },
  );
});
