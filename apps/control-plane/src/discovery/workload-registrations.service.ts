// The WorkloadGroups in force, applied to the live instances: a site's workload is admitted while a
// group registers it, and leaves its endpoint sets the moment the last group covering it goes.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Heartbeat, RegisteredWorkload, WorkloadGroup } from '@app/protocol';
import { LOGGER, type Logger } from '@app/runtime';
import { ConfigStore } from '../config/config-store.service.js';
import { InstanceRegistry } from './instance-registry.service.js';
import { WorkloadAdmission, type Admission } from './workload-admission.js';
import { WorkloadRefusals } from './workload-refusals.js';

@Injectable()
export class WorkloadRegistrations implements OnApplicationBootstrap {
  private readonly admission = new WorkloadAdmission();
  private readonly refusals: WorkloadRefusals;

  constructor(
    private readonly store: ConfigStore,
    private readonly instances: InstanceRegistry,
    @Inject(LOGGER) log: Logger,
  ) {
    this.refusals = new WorkloadRefusals(log);
  }

  onApplicationBootstrap(): void {
    this.sync();
    this.store.on('changed', () => this.sync());
  }

  /** `hb` as it joins the endpoint sets, or refused (counted, logged at a bounded rate). */
  admit(hb: Heartbeat, subject: string): Admission {
    const admission = this.admission.admit(hb);
    if (!admission.ok) this.refusals.note(subject, admission.reason);
    return admission;
  }

  /** Every live instance a WorkloadGroup registers, with its group (`GET /v1/workloads`). */
  list(): RegisteredWorkload[] {
    const out: RegisteredWorkload[] = [];
    for (const { instance, ready } of this.instances.all()) {
      const group = this.admission.groupOf(instance);
      if (group) out.push({ ...instance, site: instance.site!, group: group.metadata.name, ready });
    }
    return out.sort(
      (a, b) => a.namespace.localeCompare(b.namespace) || a.instanceId.localeCompare(b.instanceId),
    );
  }

  private sync(): void {
    this.admission.setGroups(this.store.resources('WorkloadGroup') as WorkloadGroup[]);
    this.instances.evict(
      (instance) => !this.admission.covers(instance),
      'workload no longer registered',
    );
  }
}
