{{- define "driftless.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "driftless.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "driftless.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "driftless.secretName" -}}
{{- default (include "driftless.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "driftless.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* The secret's keys a worker may see: it evaluates and builds, so it never holds the hosts' deploy key,
     the API token or the webhook secrets. */}}
{{- define "driftless.workerKeys" -}}
{{ toYaml (list "known-hosts" "signing-key" "git-token" "git-ssh-key") }}
{{- end -}}

{{/* The secret's keys this process mounts: all of them for a controller, the worker's share for a worker. */}}
{{- define "driftless.mountedKeys" -}}
{{- $keys := include "driftless.secretKeys" .root | fromYamlArray -}}
{{- if .worker -}}
{{- $allowed := include "driftless.workerKeys" .root | fromYamlArray -}}
{{- $mine := list -}}
{{- range $keys }}{{ if has . $allowed }}{{ $mine = append $mine . }}{{ end }}{{ end -}}
{{ toYaml $mine }}
{{- else -}}
{{ toYaml $keys }}
{{- end -}}
{{- end -}}

{{/* Environment of controller and workers; called with (dict "root" $ "worker" bool). */}}
{{- define "driftless.env" -}}
{{- $mounted := include "driftless.mountedKeys" . | fromYamlArray -}}
- name: DRIFTLESS_DATA_DIR
  value: /var/lib/driftless
- name: QUARKUS_CONFIG_LOCATIONS
  value: /etc/driftless-config/application.properties
{{- range $key, $env := dict "ssh-private-key" "DRIFTLESS_SSH_PRIVATE_KEY_FILE" "known-hosts" "DRIFTLESS_SSH_KNOWN_HOSTS_FILE" "signing-key" "DRIFTLESS_NIX_SIGNING_KEY_FILE" "git-token" "DRIFTLESS_GIT_TOKEN_FILE" "git-ssh-key" "DRIFTLESS_GIT_SSH_KEY_FILE" "webhook-github" "DRIFTLESS_WEBHOOK_GITHUB_SECRET_FILE" "webhook-gitea" "DRIFTLESS_WEBHOOK_GITEA_SECRET_FILE" "webhook-gitlab" "DRIFTLESS_WEBHOOK_GITLAB_SECRET_FILE" "webhook-generic" "DRIFTLESS_WEBHOOK_GENERIC_SECRET_FILE" }}
{{- if has $key $mounted }}
- name: {{ $env }}
  value: /etc/driftless/{{ $key }}
{{- end }}
{{- end }}
{{- $root := .root }}
{{- if not .worker }}
- name: DRIFTLESS_API_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ include "driftless.secretName" $root }}, key: api-token, optional: true}
{{- end }}
{{- with $root.Values.nixCache }}
- name: DRIFTLESS_NIX_CACHE
  value: {{ . | quote }}
{{- end }}
{{- if $root.Values.kafka.enabled }}
- name: QUARKUS_PROFILE
  value: kafka
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ required "kafka.bootstrapServers is required when kafka.enabled" $root.Values.kafka.bootstrapServers | quote }}
- name: DRIFTLESS_KAFKA_PARTITIONS
  value: {{ $root.Values.kafka.partitions | quote }}
{{- end }}
{{- end -}}

{{/* Volumes of controller and workers: secrets, data, the Nix store, /tmp; called with (dict "root" $ "worker" bool).
     A worker's secret volume projects only its share of the keys; with none, it gets an empty directory, since
     an empty item list would project them all. */}}
{{- define "driftless.volumes" -}}
{{- $mounted := include "driftless.mountedKeys" . | fromYamlArray -}}
{{- with .root }}
- name: config
  configMap:
    name: {{ include "driftless.fullname" . }}
- name: secrets
{{- if and $.worker (not $mounted) }}
  emptyDir: {}
{{- else }}
  secret:
    secretName: {{ include "driftless.secretName" . }}
    defaultMode: 0400
    optional: true
{{- if $.worker }}
    items:
{{- range $mounted }}
      - {key: {{ . }}, path: {{ . }}}
{{- end }}
{{- end }}
{{- end }}
- name: tmp
  emptyDir: {}
- name: nix
{{- if .Values.nixStore.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.nixStore.existingClaim }}
{{- else }}
  emptyDir:
    sizeLimit: {{ .Values.nixStore.size }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "driftless.mounts" -}}
- {name: config, mountPath: /etc/driftless-config, readOnly: true}
- {name: secrets, mountPath: /etc/driftless, readOnly: true}
- {name: tmp, mountPath: /tmp}
- {name: nix, mountPath: /nix}
- {name: data, mountPath: /var/lib/driftless}
{{- end -}}

{{- define "driftless.probes" -}}
livenessProbe:
  httpGet: {path: /q/health/live, port: http}
  periodSeconds: 10
  failureThreshold: 6
readinessProbe:
  httpGet: {path: /q/health/ready, port: http}
  periodSeconds: 5
startupProbe:
  httpGet: {path: /q/health/started, port: http}
  periodSeconds: 5
  failureThreshold: 60
{{- end -}}


{{/* The keys the secret holds: those given in values, or those listed for an existing secret. */}}
{{- define "driftless.secretKeys" -}}
{{- if .Values.secrets.existingSecret -}}
{{ toYaml .Values.secrets.existingSecretKeys }}
{{- else -}}
{{- $keys := list -}}
{{- if .Values.secrets.sshPrivateKey }}{{ $keys = append $keys "ssh-private-key" }}{{ end -}}
{{- if .Values.secrets.knownHosts }}{{ $keys = append $keys "known-hosts" }}{{ end -}}
{{- if .Values.secrets.signingKey }}{{ $keys = append $keys "signing-key" }}{{ end -}}
{{- if .Values.secrets.gitToken }}{{ $keys = append $keys "git-token" }}{{ end -}}
{{- if .Values.secrets.gitSshKey }}{{ $keys = append $keys "git-ssh-key" }}{{ end -}}
{{- range $provider, $secret := .Values.secrets.webhooks }}{{ if $secret }}{{ $keys = append $keys (printf "webhook-%s" $provider) }}{{ end }}{{ end -}}
{{ toYaml $keys }}
{{- end -}}
{{- end -}}
