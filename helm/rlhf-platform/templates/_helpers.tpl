{{/* Chart name, overridable. */}}
{{- define "rlhf-platform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the release's objects (63 characters at most, a valid label value). */}}
{{- define "rlhf-platform.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of a component's objects: <fullname>-<component>. */}}
{{- define "rlhf-platform.componentName" -}}
{{- $full := include "rlhf-platform.fullname" .root -}}
{{- printf "%s-%s" ($full | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component -}}
{{- end -}}

{{- define "rlhf-platform.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rlhf-platform.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rlhf-platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rlhf-platform.labels" -}}
helm.sh/chart: {{ include "rlhf-platform.chart" . }}
{{ include "rlhf-platform.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rlhf-platform
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "component" "silo"). */}}
{{- define "rlhf-platform.componentSelectorLabels" -}}
{{ include "rlhf-platform.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "rlhf-platform.componentLabels" -}}
{{ include "rlhf-platform.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "rlhf-platform.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rlhf-platform.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "rlhf-platform.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "rlhf-platform.serviceId" -}}
{{- .Values.cluster.serviceId -}}
{{- end -}}

{{- define "rlhf-platform.clusterId" -}}
{{- default (include "rlhf-platform.fullname" .) .Values.cluster.clusterId -}}
{{- end -}}

{{/*
Configuration shared by the silos, the api and the migration Job: the stores (connection strings from existing
Secrets, never from values) and the Orleans cluster (membership in the run store's PostgreSQL, identity from values).
*/}}
{{- define "rlhf-platform.commonEnv" -}}
- name: Rlhf__RunStore__Kind
  value: postgres
- name: Rlhf__RunStore__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ required "runStore.existingSecret is required" .Values.runStore.existingSecret | quote }}
      key: {{ required "runStore.key is required" .Values.runStore.key | quote }}
- name: Rlhf__CheckpointStore__Kind
  value: azure-blob
- name: Rlhf__CheckpointStore__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ required "checkpointStore.existingSecret is required" .Values.checkpointStore.existingSecret | quote }}
      key: {{ required "checkpointStore.key is required" .Values.checkpointStore.key | quote }}
- name: Rlhf__CheckpointStore__Container
  value: {{ required "checkpointStore.container is required" .Values.checkpointStore.container | quote }}
- name: Rlhf__Cluster__Kind
  value: kubernetes
- name: Rlhf__Cluster__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ .Values.runStore.existingSecret | quote }}
      key: {{ .Values.runStore.key | quote }}
- name: Rlhf__Cluster__ServiceId
  value: {{ include "rlhf-platform.serviceId" . | quote }}
- name: Rlhf__Cluster__ClusterId
  value: {{ include "rlhf-platform.clusterId" . | quote }}
{{- end -}}

{{/* The scratch volume every container mounts at /tmp (the root filesystem is read-only). */}}
{{- define "rlhf-platform.tmpVolume" -}}
- name: tmp
  emptyDir:
    {{- with . }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end -}}

{{/* Egress when networkPolicy.restrictEgress: DNS, the release's own pods, and networkPolicy.egressTo. */}}
{{- define "rlhf-platform.egressRules" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- to:
    - podSelector:
        matchLabels:
          {{- include "rlhf-platform.selectorLabels" . | nindent 10 }}
{{- with .Values.networkPolicy.egressTo }}
{{ toYaml . }}
{{- end }}
{{- end -}}
