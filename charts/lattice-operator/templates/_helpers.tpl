{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "lattice-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "lattice-operator.fullname" -}}
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

{{- define "lattice-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lattice-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lattice-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lattice-operator.labels" -}}
helm.sh/chart: {{ include "lattice-operator.chart" . }}
{{ include "lattice-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lattice
{{- end }}

{{- define "lattice-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lattice-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag, or repository@digest when image.digest is set (the digest pins the exact image). */}}
{{- define "lattice-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Lease lattice-operator elects its leader with (fixed in the operator). */}}
{{- define "lattice-operator.leaseName" -}}
lattice-operator-leader
{{- end }}

{{/* "true" when the operator runs with leader election. */}}
{{- define "lattice-operator.leaderElect" -}}
{{- $le := .Values.leaderElection.enabled }}
{{- if and (kindIs "bool" $le) (not $le) (gt (int .Values.replicaCount) 1) }}
{{- fail "replicaCount > 1 needs leader election: two operators without it would fight over every resource (set leaderElection.enabled=auto or true)" }}
{{- end }}
{{- if kindIs "bool" $le }}{{ $le }}{{ else }}{{ gt (int .Values.replicaCount) 1 }}{{ end }}
{{- end }}

{{/*
The namespaces the operator watches, as a JSON list; [] means all namespaces (cluster-wide).
watchNamespaces with rbac.clusterWide=true is refused: it would grant cluster-wide rights for a
namespaced operator.
*/}}
{{- define "lattice-operator.watchNamespaces" -}}
{{- if .Values.rbac.clusterWide }}
{{- if .Values.watchNamespaces }}
{{- fail "watchNamespaces is set: install with rbac.clusterWide=false (the operator then gets a Role in each watched namespace only)" }}
{{- end }}
{{- list | toJson }}
{{- else if .Values.watchNamespaces }}
{{- .Values.watchNamespaces | uniq | toJson }}
{{- else }}
{{- list .Release.Namespace | toJson }}
{{- end }}
{{- end }}

{{/*
The rules the operator needs on its resources (shared by the ClusterRole and the namespaced Roles):
exactly the requests lattice-operator makes (informers: list+watch; get only where it reads past its
cache; patch = JSON merge patch; status through the status subresource), checked against the API
server's audit log by test/chart/rbac-audit.test.ts. Two grants make no request of their own; the
OwnerReferencesPermissionEnforcement admission plugin (OpenShift and hardened clusters) checks them:
update on the finalizers of an owner, to set blockOwnerDeletion on its children, and delete on PVCs,
to change a PVC's owner references (orphaning it when its node goes with reclaimPolicy Retain).
*/}}
{{- define "lattice-operator.rules" -}}
- apiGroups: ["lattice.diotec360.com"]
  resources: ["latticenetworks"]
  verbs: ["list", "watch"]
- apiGroups: ["lattice.diotec360.com"]
  resources: ["latticenodes"]
  verbs: ["list", "watch", "get", "create", "patch", "delete"]
- apiGroups: ["lattice.diotec360.com"]
  resources: ["latticenetworks/status", "latticenodes/status"]
  verbs: ["patch"]
- apiGroups: ["lattice.diotec360.com"]
  resources: ["latticenetworks/finalizers", "latticenodes/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  # patch and delete: spec.tls serving certificates (re-issued with the pod IP, on renewal and CA
  # rotation; removed on scale-down)
  verbs: ["list", "watch", "get", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["list", "watch", "get", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["list", "watch", "create", "patch"]
- apiGroups: [""]
  resources: ["configmaps"]
  # get: the extra CA bundle of spec.tls.caBundleRef (not a ConfigMap the operator labels)
  verbs: ["list", "watch", "get", "create", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["list", "watch", "create", "patch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["list", "watch", "create", "patch", "delete"]
{{- if .Values.rbac.certManager }}
# spec.tls.mode certManager: one Certificate per node (list, create, patch on change, delete on scale-down)
- apiGroups: ["cert-manager.io"]
  resources: ["certificates"]
  verbs: ["list", "create", "patch", "delete"]
{{- end }}
{{- end }}
