{{/* The chart's NATS (nats.install): its names and ports, and the URL every component connects to. */}}

{{- define "weft.nats.name" -}}
{{ include "weft.fullname" . }}-nats
{{- end -}}

{{- define "weft.nats.clientPort" -}}4222{{- end -}}
{{- define "weft.nats.routePort" -}}6222{{- end -}}
{{- define "weft.nats.monitorPort" -}}8222{{- end -}}

{{/*
NATS_URL: nats.url when set, else the chart's NATS by its Service's namespaced name (injected
sidecars run in other namespaces), else a Service named nats beside the release.
*/}}
{{- define "weft.nats.url" -}}
{{- if .Values.nats.url -}}
{{ .Values.nats.url }}
{{- else if .Values.nats.install -}}
nats://{{ include "weft.nats.name" . }}.{{ .Release.Namespace }}.svc:{{ include "weft.nats.clientPort" . }}
{{- else -}}
nats://nats:{{ include "weft.nats.clientPort" . }}
{{- end -}}
{{- end -}}
