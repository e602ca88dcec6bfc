// The parts of a Kubernetes Pod that sidecar injection reads and writes (core/v1), everything else kept as it came.

export interface ContainerPort {
  readonly containerPort: number;
  readonly name?: string;
  readonly protocol?: string;
}

export interface PodContainer {
  readonly name: string;
  readonly ports?: readonly ContainerPort[];
  readonly securityContext?: { readonly runAsUser?: number; readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}

export interface PodManifest {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly generateName?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly [field: string]: unknown;
  };
  readonly spec: {
    readonly containers: readonly PodContainer[];
    readonly initContainers?: readonly PodContainer[];
    readonly volumes?: readonly unknown[];
    readonly serviceAccountName?: string;
    readonly securityContext?: { readonly runAsUser?: number };
    readonly [field: string]: unknown;
  };
}

/** One RFC 6902 operation; injection only adds. */
export interface JsonPatchOp {
  readonly op: 'add';
  readonly path: string;
  readonly value: unknown;
}
