// WorkloadAdmission: in-cluster heartbeats pass as sent; a site's needs a WorkloadGroup covering its
// identity and site, and takes the group's labels and locality.
import { describe, expect, it } from '@jest/globals';
import { parseResource, type Heartbeat, type WorkloadGroup } from '@app/protocol';
import { WorkloadAdmission } from './workload-admission.js';

function beat(overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    v: 1,
    namespace: 'shop',
    service: 'kiosk',
    serviceAccount: 'kiosk',
    instanceId: 'kiosk-1',
    proxyId: 'kiosk-1',
    mode: 'sidecar',
    address: '10.0.0.7',
    port: 15006,
    labels: { app: 'kiosk', version: 'v0' },
    region: 'home',
    zone: 'a',
    state: 'ready',
    sentAt: 1,
    ...overrides,
  };
}

function group(name: string, spec: Record<string, unknown>): WorkloadGroup {
  const parsed = parseResource({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'WorkloadGroup',
    metadata: { name, namespace: 'shop' },
    spec,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value as WorkloadGroup;
}

describe('WorkloadAdmission', () => {
  it('passes a heartbeat of no site as it is, with or without groups', () => {
    const admission = new WorkloadAdmission();
    const hb = beat();
    expect(admission.admit(hb)).toEqual({ ok: true, heartbeat: hb });
    admission.setGroups([group('kiosk', { service: 'kiosk', labels: { tier: 'edge' } })]);
    const admitted = admission.admit(hb);
    expect(admitted.ok && admitted.heartbeat).toBe(hb);
  });

  it('refuses a site heartbeat no group registers, saying which identity and site', () => {
    const admission = new WorkloadAdmission();
    expect(admission.admit(beat({ site: 'edge-1' }))).toEqual({
      ok: false,
      reason:
        'no WorkloadGroup in namespace shop registers service kiosk (service account kiosk) at site edge-1',
    });
  });

  it('admits it under a group of its identity, with the group labels and locality over its own', () => {
    const admission = new WorkloadAdmission();
    admission.setGroups([
      group('kiosk', {
        service: 'kiosk',
        labels: { version: 'v1', tier: 'edge' },
        locality: { region: 'eu-west' },
      }),
    ]);
    const admitted = admission.admit(beat({ site: 'edge-1' }));
    expect(admitted).toEqual({
      ok: true,
      heartbeat: beat({
        site: 'edge-1',
        labels: { app: 'kiosk', version: 'v1', tier: 'edge' },
        region: 'eu-west',
        zone: 'a',
      }),
    });
  });

  it('matches service, service account (default: the service) and namespace exactly', () => {
    const admission = new WorkloadAdmission();
    admission.setGroups([
      group('other-service', { service: 'till' }),
      group('other-account', { service: 'kiosk', serviceAccount: 'kiosk-admin' }),
    ]);
    expect(admission.admit(beat({ site: 'edge-1' })).ok).toBe(false);
    expect(admission.admit(beat({ site: 'edge-1', serviceAccount: 'kiosk-admin' })).ok).toBe(true);
    expect(admission.admit(beat({ site: 'edge-1', namespace: 'other' })).ok).toBe(false);
    expect(
      admission.admit(beat({ site: 'edge-1', service: 'till', labels: { app: 'till' } })).ok,
    ).toBe(
      false, // `till`'s group names service account `till`, the default; this one runs as kiosk
    );
  });

  it('admits only at the sites a group lists; the first group by name that covers decides', () => {
    const admission = new WorkloadAdmission();
    admission.setGroups([
      group('b-edge', { service: 'kiosk', sites: ['edge-1', 'edge-2'], labels: { from: 'b' } }),
      group('a-edge', { service: 'kiosk', sites: ['edge-2'], labels: { from: 'a' } }),
    ]);
    const labelsAt = (site: string) => {
      const a = admission.admit(beat({ site }));
      return a.ok ? a.heartbeat.labels.from : a.reason;
    };
    expect(labelsAt('edge-1')).toBe('b');
    expect(labelsAt('edge-2')).toBe('a');
    expect(labelsAt('edge-3')).toMatch(/^no WorkloadGroup .* at site edge-3$/);
  });

  it('covers in-cluster instances always, and a site instance only while a group registers it', () => {
    const admission = new WorkloadAdmission();
    admission.setGroups([group('kiosk', { service: 'kiosk' })]);
    const site = beat({ site: 'edge-1' });
    expect(admission.covers(site)).toBe(true);
    expect(admission.groupOf(site)?.metadata.name).toBe('kiosk');
    admission.setGroups([]);
    expect(admission.covers(site)).toBe(false);
    expect(admission.covers(beat())).toBe(true);
    expect(admission.groupOf(beat())).toBeUndefined();
  });
});
