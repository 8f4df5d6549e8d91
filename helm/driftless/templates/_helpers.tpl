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

{{/* Environment shared by controller and workers. */}}
{{- define "driftless.env" -}}
- name: DRIFTLESS_DATA_DIR
  value: /var/lib/driftless
- name: QUARKUS_CONFIG_LOCATIONS
  value: /etc/driftless-config/application.properties
{{- range $key, $env := dict "ssh-private-key" "DRIFTLESS_SSH_PRIVATE_KEY_FILE" "known-hosts" "DRIFTLESS_SSH_KNOWN_HOSTS_FILE" "signing-key" "DRIFTLESS_NIX_SIGNING_KEY_FILE" "git-token" "DRIFTLESS_GIT_TOKEN_FILE" "webhook-github" "DRIFTLESS_WEBHOOK_GITHUB_SECRET_FILE" "webhook-gitea" "DRIFTLESS_WEBHOOK_GITEA_SECRET_FILE" "webhook-gitlab" "DRIFTLESS_WEBHOOK_GITLAB_SECRET_FILE" "webhook-generic" "DRIFTLESS_WEBHOOK_GENERIC_SECRET_FILE" }}
{{- if has $key (include "driftless.secretKeys" $ | fromYamlArray) }}
- name: {{ $env }}
  value: /etc/driftless/{{ $key }}
{{- end }}
{{- end }}
- name: DRIFTLESS_API_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ include "driftless.secretName" . }}, key: api-token, optional: true}
{{- with .Values.nixCache }}
- name: DRIFTLESS_NIX_CACHE
  value: {{ . | quote }}
{{- end }}
{{- if .Values.kafka.enabled }}
- name: QUARKUS_PROFILE
  value: kafka
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ required "kafka.bootstrapServers is required when kafka.enabled" .Values.kafka.bootstrapServers | quote }}
- name: DRIFTLESS_KAFKA_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
{{- end }}
{{- end -}}

{{/* Volumes shared by controller and workers: secrets, data, the Nix store, /tmp. */}}
{{- define "driftless.volumes" -}}
- name: config
  configMap:
    name: {{ include "driftless.fullname" . }}
- name: secrets
  secret:
    secretName: {{ include "driftless.secretName" . }}
    defaultMode: 0400
    optional: true
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
{{- range $provider, $secret := .Values.secrets.webhooks }}{{ if $secret }}{{ $keys = append $keys (printf "webhook-%s" $provider) }}{{ end }}{{ end -}}
{{ toYaml $keys }}
{{- end -}}
{{- end -}}
