// The chart's Grafana dashboards: shipped as sidecar-labelled ConfigMaps, valid dashboards, every PromQL expression parsed by promtool and reading only documented metrics.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../docs/doc-files.js';
import { CHART_DIR, helm, manifestObjects } from './helm.js';
import {
  labelNames,
  metricNames,
  PROMTOOL,
  promtoolParse,
  withGrafanaVariables,
} from './promql.js';

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}
interface ConfigMap {
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data: Record<string, string>;
}

const DASHBOARD_DIR = join(CHART_DIR, 'dashboards');
const FILES = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'));
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function dashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard;
}

/** Every panel, those inside rows included. */
function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL expression of a dashboard, keyed `<uid>_panel_<id>_<refId>` or `<uid>_var_<name>`. */
function expressions(d: Dashboard): Map<string, string> {
  const key = (s: string) => `${d.uid}_${s}`.replace(/-/g, '_');
  const out = new Map<string, string>();
  for (const p of allPanels(d))
    for (const t of p.targets ?? []) out.set(key(`panel_${p.id}_${t.refId}`), t.expr);
  for (const v of d.templating.list.filter((v) => v.type === 'query')) {
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    // label_values(<selector>, <label>): the selector is PromQL, the function is Grafana's.
    const selector = /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
    if (!selector) throw new Error(`${d.uid}: variable ${v.name} is not label_values(…): ${query}`);
    out.set(key(`var_${v.name}`), selector);
  }
  return out;
}

/**
 * The series docs/reference/metrics.md names, with `_bucket`, `_count` and `_sum` of the
 * histograms its "Request metrics" section introduces.
 */
function documentedMetrics(): Set<string> {
  const doc = readFileSync(join(ROOT, 'docs/reference/metrics.md'), 'utf8');
  const names = new Set(['target_info']);
  for (const m of doc.matchAll(/^\| `([a-z_:]+)` +\|/gm)) names.add(m[1]);
  const intro = /## Request metrics[^\n]*\n([\s\S]*?)\n\|/.exec(doc)?.[1] ?? '';
  const histograms = [...intro.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
  if (histograms.length === 0) throw new Error('metrics.md: no histograms in "Request metrics"');
  for (const h of histograms) for (const s of ['_bucket', '_count', '_sum']) names.add(h + s);
  return names;
}

describe('k8s/charts/weft/dashboards', () => {
  it('holds the mesh, control plane and data plane dashboards', () => {
    expect(FILES.map((f) => dashboard(f).uid).sort()).toEqual([
      'weft-control-plane',
      'weft-data-plane',
      'weft-mesh',
    ]);
  });

  it.each(FILES)('%s: unique panel ids, every query on the datasource variable', (file) => {
    const d = dashboard(file);
    const panels = allPanels(d);
    const ids = panels.map((p) => p.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(d.templating.list.find((v) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
    for (const p of panels.filter((p) => p.type !== 'row')) {
      expect({ title: p.title, datasource: p.datasource }).toEqual({
        title: p.title,
        datasource: DATASOURCE,
      });
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource).toEqual(DATASOURCE);
    }
  });

  it('has every PromQL expression parsed by the real promtool', () => {
    expect(PROMTOOL).toBeDefined();
    const all = new Map(FILES.flatMap((f) => [...expressions(dashboard(f))]));
    expect(all.size).toBeGreaterThan(40);
    const parsed = promtoolParse(
      new Map([...all].map(([k, expr]) => [k, withGrafanaVariables(expr)])),
    );
    expect(parsed.output).toContain('SUCCESS');
    expect(parsed.code).toBe(0);
  });

  it('would fail on an expression promtool cannot parse', () => {
    const parsed = promtoolParse(
      new Map([['broken', 'sum by (weft_destination (rate(weft_proxy_overloaded[5m]))']]),
    );
    expect(parsed.code).not.toBe(0);
    expect(parsed.output).toContain('broken');
  });

  it('reads only metrics docs/reference/metrics.md documents', () => {
    const documented = documentedMetrics();
    const undocumented: string[] = [];
    for (const file of FILES) {
      for (const [key, expr] of expressions(dashboard(file))) {
        const names = metricNames(expr);
        // An expression reading no metric would mean the name extraction lost it.
        if (names.length === 0) undocumented.push(`${key}: no metric found in ${expr}`);
        for (const n of names.filter((n) => !documented.has(n))) undocumented.push(`${key}: ${n}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('groups and filters only by labels docs/reference/metrics.md documents', () => {
    const doc = readFileSync(join(ROOT, 'docs/reference/metrics.md'), 'utf8');
    // Every attribute is named in backquotes there; `le` is every histogram's bucket bound.
    const documented = new Set(['le', ...[...doc.matchAll(/`([a-z_]+)`/g)].map((m) => m[1])]);
    const undocumented: string[] = [];
    for (const file of FILES)
      for (const [key, expr] of expressions(dashboard(file)))
        for (const l of labelNames(expr).filter((l) => !documented.has(l)))
          undocumented.push(`${key}: ${l}`);
    expect(undocumented).toEqual([]);
  });

  it('finds the label names of an expression, not the values it matches', () => {
    expect(
      labelNames(
        'sum by (a, b) (rate(m{c=~"d=e", f!="g"}[5m])) / on (h) group_left (i) sum without (j) (n{k="{l=1}"})',
      ),
    ).toEqual(['a', 'b', 'c', 'f', 'h', 'i', 'j', 'k']);
  });

  it('finds the metric names of an expression, and no label, function or keyword', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (weft_destination, le) (rate(http_client_request_duration_bucket{weft_source=~"a|b"}[5m])))' +
          ' / on (le) group_left sum(weft_proxies offset 1m) or vector(0) and weft_renamed_total',
      ),
    ).toEqual(['http_client_request_duration_bucket', 'weft_proxies', 'weft_renamed_total']);
  });
});

describe('grafana.dashboards in the chart', () => {
  async function configMaps(...args: string[]): Promise<ConfigMap[]> {
    const res = await helm(['template', 'weft', CHART_DIR, '--namespace', 'weft-system', ...args]);
    if (res.code !== 0) throw new Error(res.stderr);
    return manifestObjects<ConfigMap>(res.stdout).filter(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.includes('-dashboard-'),
    );
  }

  it('ships none by default', async () => {
    expect(await configMaps()).toEqual([]);
  });

  it('ships each dashboard as a ConfigMap the Grafana sidecar loads, as the file has it', async () => {
    const maps = await configMaps('-f', join(CHART_DIR, 'ci', 'full-values.yaml'));
    expect(maps.map((m) => m.metadata.name).sort()).toEqual([
      'weft-dashboard-control-plane',
      'weft-dashboard-data-plane',
      'weft-dashboard-mesh',
    ]);
    for (const m of maps) {
      expect(m.metadata.namespace).toBe('monitoring');
      expect(m.metadata.labels).toMatchObject({ grafana_dashboard: '1', team: 'mesh' });
      expect(m.metadata.annotations).toEqual({ grafana_folder: 'Weft' });
      const [[file, json]] = Object.entries(m.data);
      expect(JSON.parse(json)).toEqual(dashboard(file));
    }
  });

  it('puts them in the release namespace unless told otherwise', async () => {
    const maps = await configMaps('--set', 'grafana.dashboards.enabled=true');
    expect(maps).toHaveLength(FILES.length);
    expect(maps.every((m) => m.metadata.namespace === 'weft-system')).toBe(true);
    expect(maps.every((m) => m.metadata.annotations === undefined)).toBe(true);
  });
});
