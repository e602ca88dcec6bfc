// OTEL_RESOURCE_ATTRIBUTES reaches log lines, spans' resource and `target_info`, parsed by the SDK's env detector.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from './logger.js';
import { ProcessMetrics } from './process-metrics.js';
import { environmentResourceAttributes, resourceAttributesProblem } from './resource-attributes.js';

describe('environment resource attributes', () => {
  const saved = {
    attrs: process.env.OTEL_RESOURCE_ATTRIBUTES,
    name: process.env.OTEL_SERVICE_NAME,
  };
  afterEach(() => {
    for (const [key, value] of [
      ['OTEL_RESOURCE_ATTRIBUTES', saved.attrs],
      ['OTEL_SERVICE_NAME', saved.name],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('parses the downward-API attributes, percent-decoded, without service.name', () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES =
      'k8s.pod.name=web-7d9f,k8s.namespace.name=shop,k8s.node.name=node%2C1';
    process.env.OTEL_SERVICE_NAME = 'other';
    expect(environmentResourceAttributes()).toEqual({
      'k8s.pod.name': 'web-7d9f',
      'k8s.namespace.name': 'shop',
      'k8s.node.name': 'node,1',
    });
  });

  it('discards a malformed variable whole, as the spec says', () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'k8s.pod.name=web,broken';
    expect(environmentResourceAttributes()).toEqual({});
    delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    expect(environmentResourceAttributes()).toEqual({});
  });

  it('says why the SDK discards a malformed variable, naming the bad entry, exactly when it does', () => {
    const cases: [string, string | undefined][] = [
      ['k8s.pod.name=web,k8s.node.name=n%2C1', undefined],
      ['k8s.pod.name=web,,', undefined],
      ['k8s.pod.name=web,broken', '"broken" is not key=value'],
      ['a=b=c', '"a=b=c" is not key=value'],
      [' =x', '" =x" has an empty key'],
      ['k8s.pod.name=%E0%A4%A', '"k8s.pod.name=%E0%A4%A" is not valid percent-encoding'],
      [`k=${'v'.repeat(256)}`, 'has a key or value over 255 characters'],
    ];
    for (const [raw, problem] of cases) {
      process.env.OTEL_RESOURCE_ATTRIBUTES = raw;
      const discarded = Object.keys(environmentResourceAttributes()).length === 0;
      expect([raw, discarded]).toEqual([raw, problem !== undefined]);
      if (problem === undefined) expect(resourceAttributesProblem(raw)).toBeUndefined();
      else expect(resourceAttributesProblem(raw)).toContain(problem);
    }
  });

  it('warns once, when the logger is made, naming the variable and the bad entry', () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'k8s.pod.name=web,broken';
    const lines: string[] = [];
    const sink = { write: (line: string) => void lines.push(line) };
    const log = createLogger('sidecar', 'info', sink);
    log.info('started');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.msg)).toEqual([
      expect.stringContaining('OTEL_RESOURCE_ATTRIBUTES ignored'),
      'started',
    ]);
    expect(records[0]).toMatchObject({
      level: 40,
      variable: 'OTEL_RESOURCE_ATTRIBUTES',
      reason: expect.stringContaining('"broken" is not key=value') as unknown as string,
    });
    lines.length = 0;
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'k8s.pod.name=web';
    createLogger('sidecar', 'info', sink).info('started');
    expect(lines).toHaveLength(1);
  });

  it('binds them to every log line', () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'k8s.pod.name=web-7d9f,k8s.namespace.name=shop';
    const log = createLogger('sidecar', 'info').child({ thread: 'x' });
    expect(log.bindings()).toMatchObject({
      component: 'sidecar',
      'k8s.pod.name': 'web-7d9f',
      'k8s.namespace.name': 'shop',
      thread: 'x',
    });
  });

  it('labels target_info with them, and adds the Node runtime series', async () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'k8s.pod.name=web-7d9f,k8s.node.name=n1';
    const metrics = new ProcessMetrics();
    metrics.identify('web', 'web-1');
    const text = await metrics.render();
    expect(text).toMatch(
      /^target_info\{(?=.*k8s_pod_name="web-7d9f")(?=.*k8s_node_name="n1")(?=.*service_name="web").*\} 1$/m,
    );
    // Every runtime series is checked on the real components in test/e2e/prometheus-metrics.
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_open_fds \d/m);
  });
});
