// Unit spec for the discovery layer: only unknown hosts at a proxy that discovers are held, and the
// request starts over once the lookup is done.
import { describe, expect, it } from '@jest/globals';
import { fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import { heldForDiscovery } from './destination-discovery.layer.js';
import { MESH_HOSTS } from './route-match.layer.js';
import { RouteTable, VirtualHost } from './route-table.js';
import { RouteTableHolder } from './route-table-holder.js';

function holder(known: string[]): RouteTableHolder {
  const routes = new RouteTableHolder();
  routes.swap(new RouteTable(1, new Map(known.map((h) => [h, new VirtualHost(h, [])]))));
  return routes;
}

describe('heldForDiscovery', () => {
  it('lets every request on at a proxy that follows the whole bucket (no discover)', () => {
    const again: string[] = [];
    const held = heldForDiscovery(
      undefined,
      holder([]),
      MESH_HOSTS,
      'b',
      fakeRequest({}),
      recordedResponse(),
      () => again.push('again'),
    );
    expect([held, again]).toEqual([false, []]);
  });

  it('lets a known host on without a lookup', () => {
    const routes = holder(['b']);
    const asked: string[] = [];
    const discovery = { discover: (host: string) => (asked.push(host), Promise.resolve()) };
    expect(
      heldForDiscovery(
        discovery,
        routes,
        MESH_HOSTS,
        'b',
        fakeRequest({}),
        recordedResponse(),
        () => undefined,
      ),
    ).toBe(false);
    expect(asked).toEqual([]);
  });

  it('holds an unknown host until its lookup is done, then starts the request over', async () => {
    const routes = holder([]);
    let done: () => void = () => undefined;
    const discovery = { discover: () => new Promise<void>((r) => (done = r)) };
    const req = fakeRequest({});
    const res = recordedResponse();
    const again: unknown[] = [];
    const start = (r: unknown, s: unknown) => again.push([r, s]);
    expect(heldForDiscovery(discovery, routes, MESH_HOSTS, 'c', req, res, start)).toBe(true);
    await Promise.resolve();
    expect(again).toEqual([]);
    done();
    await new Promise((r) => setImmediate(r));
    expect(again).toEqual([[req, res]]);
  });

  it('lets the request on when there is nothing to read (the host was looked up before)', () => {
    const routes = holder([]);
    const discovery = { discover: () => undefined };
    expect(
      heldForDiscovery(
        discovery,
        routes,
        MESH_HOSTS,
        'c',
        fakeRequest({}),
        recordedResponse(),
        () => undefined,
      ),
    ).toBe(false);
  });
});
