// The dashboard's script: logs in, follows GET /v1/stream and draws the topology, tables and events
// (plain DOM/SVG); reads the endpoints, the clusterset and the sites' workloads, which the stream
// does not carry.
/* global document, EventSource, fetch */

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 236;
const NODE_H = 72;
const COLUMN_GAP = 250;
const ROW_GAP = 40;
const MARGIN = 24;
/** Room above the nodes for loops (a service calling itself through its sidecar). */
const LOOP_SPACE = 64;
const MAX_EVENTS = 50;
/** How often the endpoints, clusterset and workloads are read again (they are not on the stream). */
const ENDPOINTS_POLL_MS = 3_000;
/** A proxy's cluster when it says none (as `weft get endpoints -o wide` shows it). */
const DEFAULT_CLUSTER = 'local';

/** What the stream told us so far; every draw reads it whole. */
const state = {
  revision: null,
  stats: { windowMs: 0, services: [], edges: [], routes: [] },
  proxies: new Map(),
  events: [],
  /** This control plane's cluster (WEFT_CLUSTER), null in a one-cluster mesh. */
  cluster: null,
  endpointSets: [],
  /** Services other clusters export here, with their endpoints there. */
  imports: [],
  /** Workloads outside any cluster that a WorkloadGroup registers (GET /v1/workloads). */
  workloads: [],
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// Formatting

function rps(value) {
  if (value === 0) return '0 rps';
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} rps`;
}

function percent(rate) {
  if (rate === null || rate === undefined) return '—';
  const p = rate * 100;
  return `${p === 100 ? '100' : p.toFixed(1)}%`;
}

function ms(value) {
  if (value === null || value === undefined) return '—';
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
}

/** `api` in the default namespace, `api.shop` elsewhere (as `weft status` writes it). */
function shortName(service) {
  if (service === 'unknown') return 'unknown';
  const [ns, name] = service.split('/');
  return ns === 'default' ? name : `${name}.${ns}`;
}

function health(rate) {
  if (rate === null || rate === undefined) return 'idle';
  if (rate >= 0.99) return 'good';
  if (rate >= 0.95) return 'warn';
  return 'bad';
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------------------------------------
// Topology

/** Every service that served, called or runs a proxy; edges between known services only. */
function graphModel() {
  const names = new Set();
  for (const s of state.stats.services) names.add(s.service);
  for (const e of state.stats.edges) {
    names.add(e.source);
    names.add(e.destination);
  }
  for (const p of state.proxies.values()) {
    if (p.mode === 'sidecar') names.add(`${p.namespace}/${p.service}`);
  }
  const served = new Map(state.stats.services.map((s) => [s.service, s]));
  return { names: [...names].sort(), served, edges: state.stats.edges };
}

/**
 * Columns by longest path from the callers (bounded, so a cycle cannot loop). A service that
 * serves traffic but is never called by its own name (its callers address Services that select
 * its instances, such as `api-v1`) still goes right of the callers.
 */
function layers(names, edges, served) {
  const called = edges.length > 0 ? 1 : 0;
  const depth = new Map(names.map((n) => [n, served.has(n) && called ? 1 : 0]));
  for (const e of edges) depth.set(e.source, 0);
  for (let round = 0; round < names.length; round++) {
    let moved = false;
    for (const e of edges) {
      if (e.source === e.destination) continue;
      const next = depth.get(e.source) + 1;
      if (next > depth.get(e.destination)) {
        depth.set(e.destination, next);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const columns = [];
  for (const name of names) (columns[depth.get(name)] ??= []).push(name);
  return columns.filter(Boolean);
}

function drawGraph() {
  const { names, served, edges } = graphModel();
  const graph = $('graph');
  graph.replaceChildren();
  $('graph-empty').hidden = names.length > 0;
  graph.style.display = names.length > 0 ? '' : 'none';
  if (names.length === 0) return;

  const columns = layers(names, edges, served);
  const tallest = Math.max(...columns.map((c) => c.length));
  const width = MARGIN * 2 + columns.length * NODE_W + (columns.length - 1) * COLUMN_GAP;
  const top = edges.some((e) => e.source === e.destination) ? LOOP_SPACE : 0;
  const body = MARGIN * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP;
  graph.setAttribute('viewBox', `0 0 ${width} ${top + body}`);
  graph.style.maxWidth = `${width}px`;

  const at = new Map();
  columns.forEach((column, c) => {
    const offset = top + (body - (column.length * NODE_H + (column.length - 1) * ROW_GAP)) / 2;
    column.forEach((name, r) => {
      at.set(name, { x: MARGIN + c * (NODE_W + COLUMN_GAP), y: offset + r * (NODE_H + ROW_GAP) });
    });
  });

  const defs = svg('defs');
  for (const kind of ['good', 'warn', 'bad', 'idle']) {
    const marker = svg('marker', {
      id: `arrow-${kind}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 10,
      markerHeight: 10,
      markerUnits: 'userSpaceOnUse',
      orient: 'auto-start-reverse',
    });
    marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrow ${kind}` }));
    defs.append(marker);
  }
  graph.append(defs);

  const maxRps = Math.max(1, ...edges.map((e) => e.rps));
  for (const e of edges) graph.append(drawEdge(e, at.get(e.source), at.get(e.destination), maxRps));
  for (const name of names) graph.append(drawNode(name, at.get(name), served.get(name)));
}

/** A curve from the caller's right side to the callee's left, or a loop over a node calling itself. */
function edgeShape(from, to) {
  if (from === to) {
    const x1 = from.x + NODE_W * 0.62;
    const x2 = from.x + NODE_W * 0.38;
    const y = from.y - 2;
    const lift = LOOP_SPACE - 8;
    return {
      d: `M ${x1} ${y} C ${x1 + 40} ${y - lift}, ${x2 - 40} ${y - lift}, ${x2} ${y}`,
      // The label sits on the loop's crest (3/4 of the control points' height for this curve).
      mx: from.x + NODE_W / 2,
      my: y - lift * 0.75,
    };
  }
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x - 2;
  const y2 = to.y + NODE_H / 2;
  const bend = Math.max(40, (x2 - x1) / 2);
  return {
    d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
    mx: (x1 + x2) / 2,
    my: (y1 + y2) / 2,
  };
}

function drawEdge(edge, from, to, maxRps) {
  const kind = health(edge.successRate);
  const { d, mx, my } = edgeShape(from, to);
  const g = svg('g', {
    class: `edge ${kind}`,
    'data-source': edge.source,
    'data-destination': edge.destination,
  });
  const width = 1.5 + 4 * Math.sqrt(edge.rps / maxRps);
  g.append(
    svg('path', {
      d,
      class: edge.rps > 0 ? 'wire flowing' : 'wire',
      'stroke-width': width.toFixed(1),
      'marker-end': `url(#arrow-${kind})`,
    }),
  );
  const label = `${rps(edge.rps)} · ${percent(edge.successRate)} · p99 ${ms(edge.p99Ms)}`;
  const lw = label.length * 6.4 + 14;
  g.append(
    svg('rect', { x: mx - lw / 2, y: my - 11, width: lw, height: 22, rx: 11, class: 'pill' }),
  );
  g.append(svg('text', { x: mx, y: my + 4, 'text-anchor': 'middle', class: 'edge-label' }, label));
  return g;
}

function drawNode(name, pos, signals) {
  const kind = health(signals?.successRate);
  const g = svg('g', { class: `node ${kind}`, 'data-service': name });
  g.append(
    svg('rect', { x: pos.x, y: pos.y, width: NODE_W, height: NODE_H, rx: 12, class: 'box' }),
  );
  g.append(svg('rect', { x: pos.x, y: pos.y, width: 6, height: NODE_H, rx: 3, class: 'band' }));
  g.append(svg('text', { x: pos.x + 18, y: pos.y + 28, class: 'node-name' }, shortName(name)));
  const detail = signals
    ? `${rps(signals.rps)} · ${percent(signals.successRate)} · p99 ${ms(signals.p99Ms)}`
    : name === 'unknown'
      ? 'no route or no such Service'
      : 'no inbound traffic reported';
  g.append(svg('text', { x: pos.x + 18, y: pos.y + 52, class: 'node-detail' }, detail));
  return g;
}

// ---------------------------------------------------------------------------------------------
// Tables and events

function drawServices() {
  const rows = state.stats.services.map((s) => {
    const tr = el('tr', { 'data-service': s.service });
    tr.append(
      el('td', {}, shortName(s.service)),
      el('td', { class: 'num' }, rps(s.rps)),
      el('td', { class: `num ${health(s.successRate)}` }, percent(s.successRate)),
      el('td', { class: 'num' }, ms(s.p50Ms)),
      el('td', { class: 'num' }, ms(s.p95Ms)),
      el('td', { class: 'num' }, ms(s.p99Ms)),
    );
    return tr;
  });
  if (rows.length === 0) rows.push(emptyRow(6, 'no traffic in the window'));
  $('services').tBodies[0].replaceChildren(...rows);
}

function drawProxies() {
  const list = [...state.proxies.values()].sort((a, b) => a.id.localeCompare(b.id));
  const rows = list.flatMap((p) => {
    const tr = el('tr', { 'data-proxy': p.id });
    const behind = p.status === 'ACK' && state.revision !== null && p.revision < state.revision;
    const badge = el('span', { class: `badge ${p.status ?? 'none'}` }, p.status ?? '—');
    const statusCell = el('td');
    statusCell.append(badge);
    tr.append(
      el('td', { class: 'mono' }, p.id),
      el('td', {}, shortName(`${p.namespace}/${p.service}`)),
      el('td', {}, p.mode),
      el('td', { class: `num${behind ? ' behind' : ''}` }, p.revision ?? '—'),
      statusCell,
      el('td', { class: `state ${p.state ?? ''}` }, p.state ?? '—'),
    );
    if (p.status !== 'NACK') return [tr];
    const why = el('tr', { class: 'nack-reason' });
    why.append(el('td', { colspan: '6' }, p.error ?? 'no reason given'));
    return [tr, why];
  });
  if (rows.length === 0) rows.push(emptyRow(6, 'no proxy has reported'));
  $('proxies').tBodies[0].replaceChildren(...rows);
}

/** `cluster/region/zone` of an endpoint, trailing unset parts left out. */
function locality(e) {
  return [e.cluster ?? DEFAULT_CLUSTER, e.region ?? '', e.zone ?? ''].join('/').replace(/\/+$/, '');
}

/** An endpoint's locality, and the site it runs at when it runs outside any cluster. */
function placement(e) {
  return e.site ? `${locality(e)} · site ${e.site}` : locality(e);
}

/** One row per endpoint of every Service: this cluster's, then those imported from others. */
function drawEndpoints() {
  const entries = [
    ...state.endpointSets.flatMap((set) =>
      set.endpoints.map((e) => ({ service: `${set.namespace}/${set.service}`, e, from: null })),
    ),
    ...state.imports.flatMap((i) =>
      i.endpoints.map((e) => ({ service: `${i.namespace}/${i.service}`, e, from: i.cluster })),
    ),
  ];
  const rows = entries.map(({ service, e, from }) => {
    const tr = el('tr', { 'data-service': service, 'data-instance': e.instanceId });
    tr.append(
      el('td', {}, shortName(service)),
      el('td', { class: 'mono' }, e.instanceId),
      el('td', { class: 'mono' }, `${e.address}:${e.port}`),
      el('td', { class: 'locality' }, placement(e)),
      el('td', { class: 'origin' }, from ? `imported from ${from}` : 'local'),
    );
    return tr;
  });
  if (rows.length === 0) rows.push(emptyRow(5, 'no endpoint registered'));
  $('endpoints').tBodies[0].replaceChildren(...rows);
}

/** One row per registered workload, grouped by site (sites in order, then instances). */
function drawSites() {
  const list = [...state.workloads].sort(
    (a, b) => a.site.localeCompare(b.site) || a.instanceId.localeCompare(b.instanceId),
  );
  const rows = list.map((w) => {
    const service = `${w.namespace}/${w.service}`;
    const tr = el('tr', { 'data-site': w.site, 'data-instance': w.instanceId });
    tr.append(
      el('td', { class: 'site' }, w.site),
      el('td', { class: 'mono' }, w.instanceId),
      el('td', { class: 'service' }, shortName(service)),
      el('td', { class: 'mono identity' }, `ns/${w.namespace}/sa/${w.serviceAccount}`),
      el('td', { class: 'mono' }, `${w.address}:${w.port}`),
      el('td', { class: 'locality' }, locality(w)),
      el('td', { class: 'group' }, w.group),
      el('td', { class: `ready ${w.ready ? 'good' : 'bad'}` }, w.ready ? 'yes' : 'no'),
    );
    return tr;
  });
  if (rows.length === 0)
    rows.push(emptyRow(8, 'no site: no workload outside a cluster is registered'));
  $('sites').tBodies[0].replaceChildren(...rows);
}

function emptyRow(span, text) {
  const tr = el('tr', { class: 'empty-row' });
  tr.append(el('td', { colspan: String(span) }, text));
  return tr;
}

/** One line saying what happened, from the event's own fields. */
function summary(event) {
  const d = event.data;
  switch (event.name) {
    case 'config.applied': {
      const changed = (d.results ?? []).filter((r) => r.action !== 'unchanged');
      const what = changed.map((r) => `${r.resource} ${r.action}`).join(', ') || 'no change';
      return `revision ${d.revision} from ${d.source ?? '?'} by ${d.author ?? '?'}: ${what}`;
    }
    case 'config.rejected': {
      const errors = d.errors ?? [];
      const first = errors[0]
        ? `${errors[0].resource} ${errors[0].path}: ${errors[0].message}`
        : '';
      return `${errors.length} error(s) from ${d.source ?? '?'}, nothing applied. ${first}`;
    }
    case 'route.status': {
      const conditions = (d.status?.parents ?? []).flatMap((p) =>
        (p.conditions ?? []).map((c) => `${c.type}=${c.status} (${c.reason})`),
      );
      return `${d.resource}: ${conditions.join(', ')}`;
    }
    case 'control-plane.ready':
      return `control plane ready at revision ${d.revision}`;
    case 'control-plane.leader':
      return `leader ${d.change ?? 'changed'}: ${d.holder} (term ${d.term})`;
    default:
      return JSON.stringify(d).slice(0, 200);
  }
}

function eventKind(event) {
  if (event.name === 'config.rejected') return 'bad';
  if (event.name === 'route.status') {
    const parents = event.data.status?.parents ?? [];
    const ok = parents.every((p) => (p.conditions ?? []).every((c) => c.status === 'True'));
    return ok ? 'good' : 'warn';
  }
  return 'good';
}

function drawEvents() {
  const items = state.events.map((event) => {
    const li = el('li', { class: eventKind(event), 'data-event': event.name });
    li.append(
      el('time', { datetime: event.at }, new Date(event.at).toLocaleTimeString()),
      el('span', { class: 'event-name' }, event.name),
      el('span', { class: 'event-text' }, summary(event)),
    );
    return li;
  });
  $('events').replaceChildren(...items);
  $('events-empty').hidden = items.length > 0;
}

function drawHeader() {
  $('revision').textContent = `revision ${state.revision ?? '—'}`;
  $('cluster').textContent = state.cluster ? `cluster ${state.cluster}` : '';
  $('cluster').hidden = !state.cluster;
  const seconds = Math.round(state.stats.windowMs / 1000);
  $('window').textContent = seconds > 0 ? `window ${seconds} s` : '';
  $('topology-note').textContent =
    seconds > 0 ? `edges: rps · success rate · p99 over the last ${seconds} s` : '';
}

function draw() {
  drawHeader();
  drawGraph();
  drawServices();
  drawProxies();
  drawEndpoints();
  drawSites();
  drawEvents();
}

function link(text, kind) {
  const node = $('link');
  node.textContent = text;
  node.className = `link ${kind}`;
}

// ---------------------------------------------------------------------------------------------
// The login: a token pasted once becomes an HttpOnly session cookie (EventSource sends no header)

/** Who the session cookie names, or null when there is none (401). */
async function whoAmI() {
  const res = await fetch('/v1/session', { headers: { accept: 'application/json' } });
  return res.ok ? res.json() : null;
}

function showLogin(message = '') {
  $('mesh').hidden = true;
  $('who').hidden = true;
  $('logout').hidden = true;
  $('login-page').hidden = false;
  $('login-error').textContent = message;
  link('logged out', 'connecting');
  $('token').focus();
}

function showMesh(who) {
  $('login-page').hidden = true;
  $('mesh').hidden = false;
  $('who').textContent = `${who.name} (${who.role})`;
  $('who').hidden = false;
  $('logout').hidden = false;
}

async function login(event) {
  event.preventDefault();
  const res = await fetch('/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token: $('token').value.trim() }),
  });
  $('token').value = '';
  const body = await res.json().catch(() => ({}));
  if (!res.ok) return showLogin(body.message ?? `login failed (${res.status})`);
  showMesh(body);
  follow();
}

async function logout() {
  stream?.close();
  clearInterval(endpointsTimer);
  await fetch('/v1/session', {
    method: 'DELETE',
    headers: { 'content-type': 'application/json' },
  });
  showLogin();
}

// ---------------------------------------------------------------------------------------------
// The stream

/** The open stream, closed on logout. */
let stream = null;

/** A read of the admin API with the session cookie; null when refused. */
async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  return res.ok ? res.json() : null;
}

/** The polling of the endpoints, the clusterset and the workloads, stopped on logout. */
let endpointsTimer = null;

async function readEndpoints() {
  const [sets, clusterset, workloads] = await Promise.all([
    getJson('/v1/endpoints'),
    getJson('/v1/clusterset'),
    getJson('/v1/workloads'),
  ]);
  if (sets) state.endpointSets = sets.items;
  if (clusterset) {
    state.cluster = clusterset.cluster;
    state.imports = clusterset.imports;
  }
  if (workloads) state.workloads = workloads.items;
  drawHeader();
  drawEndpoints();
  drawSites();
}

function watchEndpoints() {
  clearInterval(endpointsTimer);
  const read = () => void readEndpoints().catch(() => undefined);
  read();
  endpointsTimer = setInterval(read, ENDPOINTS_POLL_MS);
}

function follow() {
  watchEndpoints();
  const source = new EventSource('/v1/stream');
  stream = source;
  const on = (name, handle) =>
    source.addEventListener(name, (message) => {
      handle(JSON.parse(message.data));
      draw();
    });
  // On every (re)connect the server sends the whole state again, recent events included.
  source.addEventListener('open', () => {
    state.events = [];
    link('live', 'live');
  });
  source.addEventListener('error', () => {
    link('reconnecting…', 'connecting');
    // A refused stream (the session ended, its token was revoked) is not retried by the browser.
    if (source.readyState === EventSource.CLOSED) {
      whoAmI()
        .then((who) => (who ? follow() : showLogin('the session has ended: log in again')))
        .catch(() => link('control plane unreachable: reload to retry', 'connecting'));
    }
  });
  on('proxies', (list) => {
    state.revision = list.revision;
    state.proxies = new Map(list.items.map((p) => [p.id, p]));
  });
  on('proxy', (p) => state.proxies.set(p.id, p));
  on('proxy-removed', ({ id }) => state.proxies.delete(id));
  on('stats', (stats) => (state.stats = stats));
  on('event', (event) => {
    if (event.name === 'config.applied' && typeof event.data.revision === 'number') {
      state.revision = Math.max(state.revision ?? 0, event.data.revision);
    }
    state.events.unshift(event);
    state.events.length = Math.min(state.events.length, MAX_EVENTS);
  });
}

$('login').addEventListener('submit', (event) => void login(event));
$('logout').addEventListener('click', () => void logout());
draw();
whoAmI()
  .then((who) => {
    if (who === null) return showLogin();
    showMesh(who);
    follow();
  })
  .catch(() => link('control plane unreachable: reload to retry', 'connecting'));
