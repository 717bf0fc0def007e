{{/* The labels of every object of a service (. is the service). */}}
{{- define "workers.labels" -}}
app.kubernetes.io/managed-by: eds-fn
app.kubernetes.io/name: {{ .name }}
{{- range $k, $v := .labels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end }}

{{/* A container's environment, image, resources and security context
(. is a dict of the service "s" and the chart's values "v"). */}}
{{- define "workers.container" -}}
{{- $s := .s }}{{ $v := .v -}}
env:
- name: NATS_URL
  value: {{ $v.nats.url | quote }}
- name: NATS_STREAM_NAME
  value: {{ $s.nats.stream | quote }}
- name: NATS_CONSUMER_GROUP
  value: {{ $s.nats.consumer | quote }}
{{- range $ref := $s.secretRefs }}
{{- range $ref.env }}
- name: {{ .envName }}
  valueFrom:
    secretKeyRef:
      key: {{ .secretKey }}
      name: {{ $ref.name }}
{{- end }}
{{- end }}
{{- $from := list }}
{{- range $s.secretRefs }}{{ if .envFrom }}{{ $from = append $from .name }}{{ end }}{{ end }}
{{- with $from }}
envFrom:
{{- range . }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end }}
image: {{ $s.image }}
resources:
{{- toYaml (get $v.sizes (default $v.size $s.size)) | nindent 2 }}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop:
    - ALL
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
{{- end }}
