{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchboard.fullname" -}}
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

{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.extraLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name: set the name of an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.communicationsSecretName" -}}
{{- default (printf "%s-communications" (include "switchboard.fullname" .)) .Values.existingCommunicationsSecretName -}}
{{- end -}}

{{- define "switchboard.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.registry -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Mount points inside the pod. */}}
{{- define "switchboard.paths" -}}
config: /etc/switchboard/config
communications: /etc/switchboard/communications
kubeconfig: /etc/switchboard/kubeconfig
ssl: /etc/switchboard/ssl
state: /var/lib/switchboard
cache: /var/cache/switchboard/plugins
bundle: /plugin-bundle
tmp: /tmp
{{- end -}}

{{/*
The agent config without `communications`, as a dict: the values' config keys plus what the pod
needs (listeners reachable from the kubelet and Prometheus, the mounted service-account token or
kubeconfig, the plugin cache volume, the in-cluster webhook URL, bundle repositories). A value
the user set wins over these, except cacheDir and bundle URLs, which must match the volumes.
*/}}
{{- define "switchboard.config" -}}
{{- $paths := include "switchboard.paths" . | fromYaml -}}
{{- $v := .Values -}}
{{- $settings := deepCopy (default dict $v.settings) -}}
{{- $defaults := dict "healthAddress" "0.0.0.0" "metricsAddress" "0.0.0.0" "metricsPort" $v.service.targetPort -}}
{{- if $v.kubeconfig.enabled -}}
{{- $_ := set $defaults "kubeconfig" (printf "%s/config" $paths.kubeconfig) -}}
{{- else -}}
{{- $_ := set $defaults "saCredentialsPathPrefix" $v.rbac.serviceAccountMountPath -}}
{{- end -}}
{{- $settings = mergeOverwrite $defaults $settings -}}
{{- $plugins := deepCopy (default dict $v.plugins) -}}
{{- $_ := set $plugins "cacheDir" $paths.cache -}}
{{- $webhook := default dict $plugins.incomingWebhook -}}
{{- $webhookPort := default 2115 $webhook.port -}}
{{- $webhookDefaults := dict "address" "0.0.0.0" "inClusterBaseURL" (printf "http://%s.%s.svc.cluster.local:%v" (include "switchboard.fullname" .) .Release.Namespace $webhookPort) -}}
{{- $_ := set $plugins "incomingWebhook" (mergeOverwrite $webhookDefaults $webhook) -}}
{{- if $v.pluginCache.bundle.enabled -}}
{{- $repos := default dict $plugins.repositories -}}
{{- $served := $v.pluginCache.bundle.repositories | default (keys $repos | sortAlpha) -}}
{{- range $name := $served -}}
{{- $repo := deepCopy (default dict (get $repos $name)) -}}
{{- $_ := set $repo "url" (printf "file://%s/%s/index.yaml" $paths.bundle $name) -}}
{{- $_ := set $repos $name $repo -}}
{{- end -}}
{{- $_ := set $plugins "repositories" $repos -}}
{{- end -}}
{{- $ha := include "switchboard.ha" . | fromJson -}}
{{- if $ha.enabled -}}
{{- /* mergeOverwrite skips false and "", so `enabled` is set after it: on is what HA mode means. */ -}}
{{- $haDefaults := dict "enabled" true -}}
{{- if eq $ha.store "kubernetes" -}}
{{- $_ := set $haDefaults "election" (dict "kubernetes" (dict "namespace" .Release.Namespace "name" (printf "%s-leader" (include "switchboard.fullname" .)))) -}}
{{- end -}}
{{- $_ := set $settings "ha" (mergeOverwrite $haDefaults (deepCopy (default dict $settings.ha))) -}}
{{- $_ := set $settings.ha "enabled" true -}}
{{- end -}}
{{- $config := dict "settings" $settings "plugins" $plugins -}}
{{- range $key := list "executors" "sources" "actions" "aliases" "analytics" "configWatcher" -}}
{{- $value := get $v $key -}}
{{- if $value -}}
{{- $_ := set $config $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/*
HA mode, as JSON {enabled, explicit, store}: on when settings.ha.enabled is true or, when the values
leave it unset, when replicaCount > 1 (several agents without an elected leader would each answer
every command and hold their own chat connections). `store` is the election store, kubernetes
unless settings.ha.election.store says otherwise, as in the agent.
*/}}
{{- define "switchboard.ha" -}}
{{- $ha := default dict (default dict .Values.settings).ha -}}
{{- $explicit := hasKey $ha "enabled" -}}
{{- $enabled := gt (int .Values.replicaCount) 1 -}}
{{- if $explicit -}}
{{- $enabled = eq (toString $ha.enabled) "true" -}}
{{- end -}}
{{- $store := toString (default "kubernetes" (default dict $ha.election).store) -}}
{{- toJson (dict "enabled" $enabled "explicit" $explicit "store" $store) -}}
{{- end -}}

{{/*
What hot reload cannot apply (src/app/listeners.ts changedListenerSettings, the Kubernetes
connection, the delivery store, HA mode): a change here restarts the pod through a checksum
annotation. Everything else in the config is reloaded by the running agent from the mounted files.
`ha` enters only when set, so a release without it keeps the checksum it had before HA existed.
*/}}
{{- define "switchboard.restartChecksum" -}}
{{- $config := include "switchboard.config" . | fromYaml -}}
{{- $s := $config.settings -}}
{{- $w := $config.plugins.incomingWebhook -}}
{{- $delivery := default dict $s.delivery -}}
{{- $restart := dict
  "healthAddress" $s.healthAddress "healthPort" $s.healthPort
  "metricsAddress" $s.metricsAddress "metricsPort" $s.metricsPort
  "kubeconfig" $s.kubeconfig "saCredentialsPathPrefix" $s.saCredentialsPathPrefix
  "store" $delivery.store
  "webhookEnabled" $w.enabled "webhookAddress" $w.address "webhookPort" $w.port "webhookBodyLimit" $w.bodyLimit -}}
{{- if hasKey $s "ha" -}}
{{- $_ := set $restart "ha" $s.ha -}}
{{- end -}}
{{- toJson $restart | sha256sum -}}
{{- end -}}

{{/* The health port, for probes. */}}
{{- define "switchboard.healthPort" -}}
{{- $config := include "switchboard.config" . | fromYaml -}}
{{- default 2114 $config.settings.healthPort -}}
{{- end -}}

{{/* The names of every channel (its `name`, else its `id`) of the enabled platforms in the values' communications. */}}
{{- define "switchboard.channelNames" -}}
{{- $names := list -}}
{{- range $group := (default dict .Values.communications) -}}
{{- range $platform := (default dict $group) -}}
{{- if and (kindIs "map" $platform) $platform.enabled -}}
{{- range $channel := (default dict $platform.channels) -}}
{{- if kindIs "map" $channel -}}
{{- $names = append $names (toString (default $channel.id $channel.name)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "names" ($names | uniq)) -}}
{{- end -}}

{{/*
The users and groups the agent may impersonate: what the `context.rbac` of every enabled executor
and source entry resolves to (docs/rbac.md), plus rbac.impersonate. Groups without a user type
impersonate `botkube-internal-static-user`, as Kubernetes needs a user for group impersonation.
*/}}
{{- define "switchboard.impersonation" -}}
{{- $channels := (include "switchboard.channelNames" . | fromJson).names -}}
{{- $users := list -}}
{{- $groups := list -}}
{{- range $kind := list "executors" "sources" -}}
{{- range $groupName, $bindingGroup := (default dict (get $.Values $kind)) -}}
{{- range $key, $entry := (default dict $bindingGroup) -}}
{{- if and (kindIs "map" $entry) $entry.enabled $entry.context -}}
{{- $rbac := default dict $entry.context.rbac -}}
{{- $user := default dict $rbac.user -}}
{{- $group := default dict $rbac.group -}}
{{- $userPrefix := toString (default "" $user.prefix) -}}
{{- $groupPrefix := toString (default "" $group.prefix) -}}
{{- if eq (toString $user.type) "Static" -}}
{{- $users = append $users (printf "%s%v" $userPrefix (default dict $user.static).value) -}}
{{- else if eq (toString $user.type) "ChannelName" -}}
{{- range $channels }}{{ $users = append $users (printf "%s%s" $userPrefix .) }}{{ end -}}
{{- end -}}
{{- if eq (toString $group.type) "Static" -}}
{{- range (default list (default dict $group.static).values) }}{{ $groups = append $groups (printf "%s%v" $groupPrefix .) }}{{ end -}}
{{- else if eq (toString $group.type) "ChannelName" -}}
{{- range $channels }}{{ $groups = append $groups (printf "%s%s" $groupPrefix .) }}{{ end -}}
{{- end -}}
{{- if and (or (eq (toString $group.type) "Static") (eq (toString $group.type) "ChannelName")) (not (or (eq (toString $user.type) "Static") (eq (toString $user.type) "ChannelName"))) -}}
{{- $users = append $users "botkube-internal-static-user" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $users = concat $users (default list .Values.rbac.impersonate.users) -}}
{{- $groups = concat $groups (default list .Values.rbac.impersonate.groups) -}}
{{- toJson (dict "users" ($users | uniq | sortAlpha) "groups" ($groups | uniq | sortAlpha)) -}}
{{- end -}}
