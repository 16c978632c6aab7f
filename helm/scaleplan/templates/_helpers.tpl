{{/*
Naming, labels and shared fragments. Every resource takes its labels from "scaleplan.labels" with its
component passed in, so selectors and NetworkPolicies can rely on the same three selector labels.
*/}}

{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "scaleplan.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; the release name alone when it already contains the chart name. */}}
{{- define "scaleplan.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of one component's resources: usage (dict "root" . "component" "worker"). */}}
{{- define "scaleplan.componentName" -}}
{{- $base := include "scaleplan.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-" }}
{{- printf "%s-%s" $base .component }}
{{- end }}

{{/* chart-version label value. */}}
{{- define "scaleplan.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels: usage {{ include "scaleplan.labels" (dict "root" . "component" "worker") }}. */}}
{{- define "scaleplan.labels" -}}
helm.sh/chart: {{ include "scaleplan.chart" .root }}
{{ include "scaleplan.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: scaleplan
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels: immutable once a Deployment exists, so only name, instance and component. */}}
{{- define "scaleplan.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scaleplan.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The control plane's ServiceAccount name. */}}
{{- define "scaleplan.serviceAccountName" -}}
{{- if .Values.controlPlane.serviceAccount.create }}
{{- default (include "scaleplan.componentName" (dict "root" . "component" "control-plane")) .Values.controlPlane.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.controlPlane.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* image reference: usage (dict "image" .Values.worker.image "root" .); digest wins over tag. */}}
{{- define "scaleplan.image" -}}
{{- $repository := .image.repository }}
{{- if .image.registry }}{{ $repository = printf "%s/%s" .image.registry .image.repository }}{{ end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repository .image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/* The worker image: the GPU repository when GPUs are on. */}}
{{- define "scaleplan.workerImage" -}}
{{- $image := deepCopy .Values.worker.image }}
{{- if .Values.worker.gpu.enabled }}{{ $_ := set $image "repository" .Values.worker.gpu.image.repository }}{{ end }}
{{- include "scaleplan.image" (dict "image" $image "root" .) }}
{{- end }}

{{/* Redis Service host (in-release Redis). */}}
{{- define "scaleplan.redisHost" -}}
{{- printf "%s.%s.svc" (include "scaleplan.componentName" (dict "root" . "component" "redis")) .Release.Namespace }}
{{- end }}

{{/* Secret and key holding the Redis password, or nothing when external Redis has none. */}}
{{- define "scaleplan.redisPasswordSecret" -}}
{{- if .Values.redis.enabled }}
{{- default (include "scaleplan.componentName" (dict "root" . "component" "redis")) .Values.redis.auth.existingSecret }}
{{- else }}
{{- .Values.redis.external.existingSecret }}
{{- end }}
{{- end }}

{{- define "scaleplan.redisPasswordKey" -}}
{{- if .Values.redis.enabled }}{{ .Values.redis.auth.existingSecretPasswordKey }}{{ else }}{{ .Values.redis.external.existingSecretPasswordKey }}{{ end }}
{{- end }}

{{/*
REDIS_URL (and the REDIS_PASSWORD it expands) for any ScalePlan container. Kubernetes expands
$(REDIS_PASSWORD) because the variable is defined earlier in the same env list.
*/}}
{{- define "scaleplan.redisEnv" -}}
{{- $secret := include "scaleplan.redisPasswordSecret" . }}
{{- if $secret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ include "scaleplan.redisPasswordKey" . }}
{{- end }}
{{- if .Values.redis.enabled }}
- name: REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s:6379/0" (include "scaleplan.redisHost" .) | quote }}
{{- else }}
{{- $url := required "redis.external.url is required when redis.enabled=false (e.g. redis://my-redis.example:6379/0)" .Values.redis.external.url }}
- name: REDIS_URL
  value: {{ ternary (regexReplaceAll "^(rediss?://)" $url "${1}:$$(REDIS_PASSWORD)@") $url (ne $secret "") | quote }}
{{- end }}
- name: SCALEPLAN_QUEUE_PREFIX
  value: {{ .Values.queuePrefix | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end }}

{{/* The dashboard token Secret's name. */}}
{{- define "scaleplan.dashboardTokenSecret" -}}
{{- default (include "scaleplan.componentName" (dict "root" . "component" "dashboard-token")) .Values.controlPlane.dashboardToken.existingSecret }}
{{- end }}

{{/* /tmp is the only writable path besides mounted volumes (readOnlyRootFilesystem). */}}
{{- define "scaleplan.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}

{{/* NetworkPolicy egress rule to cluster DNS. */}}
{{- define "scaleplan.dnsEgress" -}}
- to:
    - namespaceSelector: {}
      podSelector:
        matchLabels:
          k8s-app: kube-dns
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end }}
{{/* NetworkPolicy egress rule to Redis: usage (dict "root" . "port" 6379). */}}
{{- define "scaleplan.redisEgress" -}}
{{- if .root.Values.redis.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "scaleplan.selectorLabels" (dict "root" .root "component" "redis") | nindent 10 }}
  ports:
    - port: 6379
      protocol: TCP
{{- else }}
- ports:
    - port: {{ .port }}
      protocol: TCP
{{- end }}
{{- end }}

{{/*
Dispatch mode (dispatch.mode), checked here as well as in values.schema.json so that a bad value fails
with the accepted ones named even where the schema is not applied: `deployment` (the worker Deployment pulls
runs from BullMQ) or `jobs` (every run is a batch/v1 Job, SCALEPLAN_KUBE_DISPATCH=jobs).
*/}}
{{- define "scaleplan.dispatchMode" -}}
{{- $mode := toString .Values.dispatch.mode }}
{{- if not (has $mode (list "deployment" "jobs")) }}
{{- fail (printf "dispatch.mode %q is not supported: use deployment (a worker Deployment pulls the runs) or jobs (a batch/v1 Job per run)" $mode) }}
{{- end }}
{{- $mode }}
{{- end }}

{{/* Dispatch mode jobs: the PriorityClass of final-run pods (SCALEPLAN_FINAL_RUN_PRIORITY_CLASS); empty: none. */}}
{{- define "scaleplan.finalRunPriorityClass" -}}
{{- $pc := .Values.dispatch.jobs.finalRunPriorityClass }}
{{- if $pc.create }}
{{- default (include "scaleplan.componentName" (dict "root" . "component" "final-run")) $pc.name }}
{{- else }}
{{- $pc.name }}
{{- end }}
{{- end }}

{{/* Dispatch mode jobs: the base URL trainers POST their reports to (SCALEPLAN_REPORT_URL), the control plane's Service by default. */}}
{{- define "scaleplan.reportUrl" -}}
{{- $service := include "scaleplan.componentName" (dict "root" . "component" "control-plane") }}
{{- default (printf "http://%s.%s.svc:%d" $service .Release.Namespace (int .Values.controlPlane.service.port)) .Values.dispatch.jobs.reportUrl }}
{{- end }}
