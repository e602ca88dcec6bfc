// Unit spec for the discovery layer: only unknown hosts at a proxy that discovers are held, and the
// request starts over once the lookup is done, once.
import { describe, expect, it } from '@jest/globals';
import type { Exchange } from '../exchange.js';
import { fakeExchange, fakeRequest } from '../http/http-doubles.testing.js';
import { readTarget } from '../http/request-target.js';
import { destinationDiscovery } from './destination-discovery.layer.js';
import { MESH_HOSTS } from './route-match.layer.js';
import { RouteTable, VirtualHost } from './route-table.js';
import { RouteTableHolder } from './route-table-holder.js';

function holder(known: string[]): RouteTableHolder {
  const routes = new RouteTableHolder();
  routes.swap(new RouteTable(1, new Map(known.map((h) => [h, new VirtualHost(h, [])]))));
  return routes;
}

/** An exchange for `host`, its target read. */
function to(host: string): Exchange {
  const ex = fakeExchange(fakeRequest({ headers: { host } }));
  readTarget(ex);
  return ex;
}

describe('destinationDiscovery', () => {
  it('lets every request on at a proxy that follows the whole bucket (no discover)', () => {
    const again: Exchange[] = [];
    const step = destinationDiscovery(undefined, holder([]), MESH_HOSTS, (ex) => again.push(ex));
    expect([step(to('b')), again]).toEqual(['next', []]);
  });

  it('lets a known host on without a lookup, noting it called (what keeps it followed)', () => {
    const asked: string[] = [];
    const called: string[] = [];
    const discovery = {
      discover: (host: string) => (asked.push(host), Promise.resolve()),
      called: (host: string) => void called.push(host),
    };
    const step = destinationDiscovery(discovery, holder(['b']), MESH_HOSTS, () => undefined);
    expect(step(to('b'))).toBe('next');
    expect([asked, called]).toEqual([[], ['b']]);
  });

  it('holds an unknown host until its lookup is done, then starts the request over, once', async () => {
    let done: () => void = () => undefined;
    const discovery = { discover: () => new Promise<void>((r) => (done = r)), called: () => {} };
    const again: Exchange[] = [];
    const step = destinationDiscovery(discovery, holder([]), MESH_HOSTS, (ex) => again.push(ex));
    const ex = to('c');
    expect(step(ex)).toBe('held');
    await Promise.resolve();
    expect(again).toEqual([]);
    done();
    await new Promise((r) => setImmediate(r));
    expect(again).toEqual([ex]);
    // Started over, it goes on even if the host is still unknown.
    expect(step(ex)).toBe('next');
  });

  it('lets the request on when there is nothing to read (the host was looked up before)', () => {
    const discovery = { discover: () => undefined, called: () => {} };
    const step = destinationDiscovery(discovery, holder([]), MESH_HOSTS, () => undefined);
    expect(step(to('c'))).toBe('next');
  });
});
