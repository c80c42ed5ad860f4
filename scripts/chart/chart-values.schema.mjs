// The chart's own values (everything that is not agent config), as JSON Schema. The generator
// adds the agent's config keys from config.schema.json. Keys Botkube's chart has keep Botkube's
// names and meaning; Botkube keys without an equivalent are accepted and documented as ignored.

const str = (description) => ({ description, type: 'string' });
const bool = (description) => ({ description, type: 'boolean' });
const int = (description, minimum = 0) => ({ description, type: 'integer', minimum });
const map = (description) => ({ description, type: 'object', additionalProperties: { type: 'string' } });
const list = (description, items = { type: 'object' }) => ({ description, type: 'array', items });
const object = (description, properties, extra = {}) => ({
  description,
  type: 'object',
  properties,
  additionalProperties: false,
  ...extra,
});
const anyObject = (description) => ({ description, type: 'object' });
const quantity = (description) => ({ description, type: ['string', 'integer'] });

const volume = (what, emptyDirLimit) =>
  object(`Volume of the ${what}.`, {
    type: { description: 'Kind of volume.', type: 'string', enum: ['emptyDir', 'persistentVolumeClaim'] },
    sizeLimit: quantity(`emptyDir size limit (default ${emptyDirLimit}).`),
    persistentVolumeClaim: object('With `type: persistentVolumeClaim`.', {
      existingClaim: str('Use this claim instead of creating one.'),
      storageClassName: str('Storage class of the created claim (cluster default when empty).'),
      size: quantity('Requested size of the created claim.'),
      accessModes: list('Access modes of the created claim.', {
        type: 'string',
        enum: ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany'],
      }),
    }),
  });

const probe = (what) =>
  object(`${what} probe timing (the path and port are the chart's).`, {
    initialDelaySeconds: int('Seconds before the first probe.'),
    periodSeconds: int('Seconds between probes.', 1),
    timeoutSeconds: int('Seconds a probe may take.', 1),
    failureThreshold: int('Failures in a row that count.', 1),
    successThreshold: int('Successes in a row that count.', 1),
  });

const policyRule = {
  type: 'object',
  properties: {
    apiGroups: { type: 'array', items: { type: 'string' } },
    resources: { type: 'array', items: { type: 'string' } },
    resourceNames: { type: 'array', items: { type: 'string' } },
    nonResourceURLs: { type: 'array', items: { type: 'string' } },
    verbs: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
  required: ['verbs'],
  additionalProperties: false,
};

/** Properties of the chart's own values. */
export const chartValuesProperties = {
  image: object('The agent image: `<registry>/<repository>:<tag>`.', {
    registry: str('Registry (empty: none, the repository is the whole name).'),
    repository: str('Repository.'),
    tag: { description: "Tag; empty means the chart's appVersion.", type: ['string', 'number'] },
    pullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
    pullSecrets: list('Image pull Secrets: names, or `{name}` objects.', {
      anyOf: [{ type: 'string' }, { type: 'object', required: ['name'] }],
    }),
  }),
  nameOverride: str('Replaces the chart name in object names.'),
  fullnameOverride: str('Replaces the full object name prefix.'),
  replicaCount: {
    description:
      'Replicas. More than 1 turns on HA mode (settings.ha.enabled: leader election), which needs settings.delivery.store.type jetstream with jetstream.servers.',
    type: 'integer',
    minimum: 0,
  },
  resources: anyObject('Container resources (`requests`, `limits`).'),
  extraEnv: list('Extra environment variables of the agent container (Kubernetes EnvVar objects).', {
    type: 'object',
    required: ['name'],
  }),
  securityContext: anyObject('Pod security context.'),
  containerSecurityContext: anyObject('Agent container security context.'),
  rbac: object('RBAC objects the chart creates.', {
    create: bool("Create the agent's impersonation ClusterRole and the plugin groups."),
    serviceAccountMountPath: str(
      "Where the agent's service-account token is mounted (settings.saCredentialsPathPrefix).",
    ),
    impersonate: object('Users and groups the agent may impersonate besides those found in the values.', {
      users: list('User names.', { type: 'string', minLength: 1 }),
      groups: list('Group names.', { type: 'string', minLength: 1 }),
    }),
    groups: {
      description: 'Plugin groups: a ClusterRole and a ClusterRoleBinding of Group `<name>` each.',
      type: 'object',
      additionalProperties: object('One plugin group.', {
        create: bool('Create its ClusterRole and ClusterRoleBinding.'),
        rules: list('The ClusterRole rules.', policyRule),
      }),
    },
    staticGroupName: str("Botkube's deprecated single plugin group name (with `rules`)."),
    rules: list("Botkube's deprecated rules of `staticGroupName`.", policyRule),
  }),
  serviceAccount: object("The agent's ServiceAccount.", {
    create: bool('Create it.'),
    name: str('Its name (default: the full name); required when `create` is false.'),
    annotations: map('Its annotations.'),
  }),
  kubeconfig: object("The agent's own Kubernetes connection instead of its service account.", {
    enabled: bool('Use a kubeconfig (settings.kubeconfig).'),
    base64Config: str('A base64-encoded kubeconfig, stored in a Secret the chart creates.'),
    existingSecret: str('Or an existing Secret with the kubeconfig under key `config`.'),
  }),
  ssl: object("Extra CA certificates for the agent's TLS connections (NODE_EXTRA_CA_CERTS).", {
    enabled: bool('Mount the bundle.'),
    existingSecretName: str('A Secret with the PEM bundle under `ca-certificates.crt`.'),
    cert: str('Or the PEM bundle, base64-encoded.'),
  }),
  pluginCache: {
    ...volume('plugin cache (plugins.cacheDir)', '1Gi'),
    properties: {
      ...volume('plugin cache', '1Gi').properties,
      bundle: object('An offline plugin bundle copied from an image by an init container.', {
        enabled: bool('Serve the repositories from the bundle.'),
        image: str('Image holding the bundle (default: the agent image).'),
        pullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
        path: str('Bundle directory in that image (`plugin pull --output`).'),
        command: list('Copy command (default `cp -R <path>/. /plugin-bundle/`).', { type: 'string' }),
        repositories: list('Repositories served from the bundle (default: all).', { type: 'string' }),
      }),
    },
  },
  persistence: volume('state directory (runtime state, durable delivery queue)', '512Mi'),
  service: object('The Service in front of /metrics and incoming webhooks.', {
    name: str('Name of the metrics port.'),
    port: int('Service port of /metrics.', 1),
    targetPort: int('Container port of /metrics (settings.metricsPort unless that is set).', 1),
  }),
  serviceMonitor: object('A Prometheus Operator ServiceMonitor.', {
    enabled: bool('Create it (needs the monitoring.coreos.com CRDs).'),
    interval: str('Scrape interval.'),
    path: str('Metrics path.'),
    port: str('Service port name.'),
    labels: map('Extra labels (for the Prometheus selector).'),
  }),
  podDisruptionBudget: object('A PodDisruptionBudget.', {
    enabled: {
      description: 'Create it; empty (null): only in HA mode.',
      type: ['boolean', 'null'],
    },
    maxUnavailable: {
      description: 'Pods a voluntary disruption (drain) may take down at once.',
      type: ['integer', 'string'],
    },
  }),
  deployment: object('The Deployment.', {
    annotations: map('Deployment annotations.'),
    strategy: anyObject(
      'Update strategy; empty: Recreate for one agent, RollingUpdate (maxSurge 1, maxUnavailable 0) in HA mode.',
    ),
    startupProbe: probe('Startup (/healthz)'),
    livenessProbe: probe('Liveness (/healthz)'),
    readinessProbe: probe('Readiness (/readyz)'),
  }),
  extraAnnotations: map('Annotations on the Deployment and its pods.'),
  extraLabels: map('Labels on every object.'),
  priorityClassName: str('Pod priority class.'),
  nodeSelector: map('Pod node selector.'),
  tolerations: list('Pod tolerations.'),
  affinity: anyObject(
    'Pod affinity; empty in HA mode: preferred podAntiAffinity on kubernetes.io/hostname, replaced by anything set here.',
  ),
  extraVolumes: list('Extra pod volumes.'),
  extraVolumeMounts: list('Extra agent container volume mounts.'),
  extraObjects: list('Extra manifests, each rendered with `tpl`.'),
  existingCommunicationsSecretName: str(
    'An existing Secret holding `comm_config.yaml` (the `communications` block); none is rendered then.',
  ),
  podSecurityPolicy: anyObject(
    "Botkube key, ignored: PodSecurityPolicy was removed in Kubernetes 1.25; the pod meets the 'restricted' Pod Security Standard instead.",
  ),
  config: anyObject(
    'Botkube key, ignored: `config.provider` configures Botkube Cloud, which Switchboard does not use.',
  ),
  global: anyObject('Helm global values (passed by parent charts).'),
};
