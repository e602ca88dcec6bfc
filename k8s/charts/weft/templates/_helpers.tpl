{{/* Names, labels and the pieces every component's pod shares. */}}

{{- define "weft.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "weft.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "control-plane"). */}}
{{- define "weft.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "weft.image" -}}
{{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end -}}

{{- define "weft.serviceAccountName" -}}
{{ include "weft.fullname" . }}-control-plane
{{- end -}}

{{/*
Environment every component reads (CommonEnv; WEFT_CLUSTER with cluster.name), then the pod's identity for spans, metrics and logs
(OTEL_RESOURCE_ATTRIBUTES; the injected sidecar gets the same list, RESOURCE_ATTRIBUTE_ENV).
*/}}
{{- define "weft.commonEnv" -}}
- name: NATS_URL
  value: {{ include "weft.nats.url" . | quote }}
- name: WEFT_SUBJECT_PREFIX
  value: {{ .Values.subjectPrefix | quote }}
- name: WEFT_TRUST_DOMAIN
  value: {{ .Values.trustDomain | quote }}
- name: WEFT_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- if .Values.cluster.name }}
- name: WEFT_CLUSTER
  value: {{ .Values.cluster.name | quote }}
{{- end }}
- name: WEFT_ADVERTISE_ADDRESS
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_NAMESPACE_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: K8S_NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME)"
{{- with .Values.nats.tls }}
{{- if .secretName }}
- name: WEFT_NATS_TLS_CA
  value: /etc/weft/nats-tls/ca.crt
{{- if .clientCertificate }}
- name: WEFT_NATS_TLS_CERT
  value: /etc/weft/nats-tls/tls.crt
- name: WEFT_NATS_TLS_KEY
  value: /etc/weft/nats-tls/tls.key
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Extra env of a component: a map, rendered in key order. */}}
{{- define "weft.extraEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The container security context of every component: non-root, read-only, no privileges. */}}
{{- define "weft.securityContext" -}}
runAsNonRoot: true
runAsUser: 1337
runAsGroup: 1337
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Mounts of the state volume, /tmp, the NATS credentials and (nats.tls) the NATS TLS files. */}}
{{- define "weft.volumeMounts" -}}
- name: state
  mountPath: /var/lib/weft
- name: tmp
  mountPath: /tmp
- name: nats-credentials
  mountPath: /etc/weft/nats
  readOnly: true
{{- if .Values.nats.tls.secretName }}
- name: nats-tls
  mountPath: /etc/weft/nats-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "weft.volumes" -}}
- name: state
  emptyDir: {}
- name: tmp
  emptyDir: {}
- name: nats-credentials
  secret:
    secretName: {{ .Values.nats.credentials.secretName }}
    defaultMode: 0440
{{- if .Values.nats.tls.secretName }}
- name: nats-tls
  secret:
    secretName: {{ .Values.nats.tls.secretName }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{/* Probes on a component's admin port. */}}
{{- define "weft.probes" -}}
readinessProbe:
  httpGet: { path: /readyz, port: admin }
  periodSeconds: 5
livenessProbe:
  httpGet: { path: /healthz, port: admin }
  periodSeconds: 10
  failureThreshold: 6
{{- end -}}

{{/* "true" when the control plane mints proxy credentials: injection on, the signing key given, minting on, and the RBAC to create Secrets. */}}
{{- define "weft.mintsCredentials" -}}
{{- with .Values.injection }}
{{- if and .enabled .mintCredentials .accountSigningKeySecret $.Values.rbac.create }}true{{ end }}
{{- end }}
{{- end -}}

{{/* The Secret of the injection webhook's certificate, mounted by the control plane. */}}
{{- define "weft.injectionSecretName" -}}
{{ include "weft.fullname" . }}-injection-tls
{{- end -}}
