/**
 * The catalogue of Switchboard error codes. Callers branch on `code`, never on
 * `instanceof`; every code is documented in docs/errors.md (a test checks it).
 */
export const errorCodes = {
  SB_ERR_PLUGIN_NOT_PLUGIN: 'The binary is not a go-plugin plugin or refused the magic cookie.',
  SB_ERR_PLUGIN_HANDSHAKE: 'The plugin printed a handshake line that cannot be parsed.',
  SB_ERR_PLUGIN_VERSION: 'The plugin announced a core or app protocol version the host does not speak.',
  SB_ERR_PLUGIN_START_TIMEOUT: 'The plugin did not print its handshake within the start timeout.',
  SB_ERR_PLUGIN_EXITED: 'The plugin process exited (before the handshake, or while calls were in flight).',
  SB_ERR_PLUGIN_SPAWN: 'The plugin binary could not be started.',
  SB_ERR_PLUGIN_CALL: 'A call to the plugin failed.',
  SB_ERR_PLUGIN_DEADLINE: 'A call to the plugin did not finish within its deadline.',
  SB_ERR_PLUGIN_CANCELLED: 'A call to the plugin was cancelled by the caller.',
  SB_ERR_PLUGIN_UNIMPLEMENTED: 'The plugin does not implement the requested RPC.',
  SB_ERR_PLUGIN_UNAVAILABLE: 'The plugin is not running (starting, restarting, stopped or quarantined).',
  SB_ERR_PLUGIN_QUARANTINED: 'The plugin crashed too often and was deactivated.',
  SB_ERR_PLUGIN_BAD_RESPONSE: 'The plugin answered with data that does not follow the contract.',
  SB_ERR_SDK_NO_COOKIE: 'A plugin built with the SDK was run without the host magic cookie.',
  SB_ERR_SDK_CONFIG: 'A plugin could not parse or merge its YAML configuration.',
  SB_ERR_TLS: 'AutoMTLS material could not be created or used.',
  SB_ERR_COMMAND_SYNTAX: 'A chat command could not be parsed (unterminated quote, flag without its value).',
  SB_ERR_TEMPLATE: 'A template (an action command) could not be compiled or rendered.',
  SB_ERR_DELIVERY: 'A message could not be delivered to a chat platform or sink.',
  SB_ERR_PLATFORM_AUTH: 'A chat platform rejected a credential the bot started with (bot or app token).',
  SB_ERR_PLATFORM_CHANNEL: 'A configured channel does not exist, or the bot cannot see it.',
  SB_ERR_PLATFORM_CONNECT: "A chat platform's API or realtime connection could not be reached at start.",
  SB_ERR_SINK_CONFIG:
    'A sink cannot be created from its settings (bad URL or header, unsupported option such as awsSigning).',
  SB_ERR_REPO_KEY: 'A plugin key is not of the form repo/name[@version].',
  SB_ERR_REPO_CONFIG: 'A repository is not configured, or its options (URL, public keys) are invalid.',
  SB_ERR_REPO_FETCH:
    'A repository index or artifact could not be downloaded (HTTP status, network error or timeout).',
  SB_ERR_REPO_DEADLINE: 'A repository index or artifact download did not finish within its overall deadline.',
  SB_ERR_REPO_INDEX_INVALID: 'A repository index is not valid YAML or does not follow the index format.',
  SB_ERR_REPO_SIGNATURE:
    'A repository index signature is missing or does not verify against the configured keys.',
  SB_ERR_REPO_NOT_FOUND: 'The repository offers no plugin of that name, or not that version.',
  SB_ERR_REPO_PLATFORM: 'The repository has no build of the plugin for this OS and architecture.',
  SB_ERR_REPO_CHECKSUM: 'A download or cached file does not match its checksum, or has no checksum.',
  SB_ERR_REPO_ARCHIVE:
    'An archive is corrupt, of an unsupported format, or has unsafe or unexpected entries.',
  SB_ERR_REPO_SIZE_LIMIT: 'A download or extracted file is larger than the configured cap.',
  SB_ERR_REPO_LOCK: 'The plugin cache lock could not be taken in time.',
  SB_ERR_PUBLISH: 'Building plugin archives or generating an index failed.',
  SB_ERR_CONFIG_INVALID:
    'The agent configuration (files, environment overrides, secrets) is invalid; every problem is listed.',
  SB_ERR_CONFIG_PLUGIN:
    "A plugin entry's config does not match the JSON Schema the plugin publishes, or that schema is unusable.",
  SB_ERR_CLI_USAGE: 'A command-line argument or input file is invalid.',
  SB_ERR_START_STRICT:
    'Strict start (`--strict`, `settings.strictStart`): a repository, plugin or platform could not start, or an enabled platform is not supported.',
  SB_ERR_CONSOLE_START:
    'The web console could not start: its address or port cannot be used, or its page files are missing.',
  SB_ERR_QUEUE_CORRUPT:
    'The delivery queue file is damaged (corrupted or truncated): it was renamed aside and the agent started with an empty queue.',
  SB_ERR_QUEUE_STORE:
    'The delivery queue could not be opened or written: its file (permissions, missing directory, disk full) or its JetStream stream (server unreachable, stream of another shape).',
  SB_ERR_QUEUE_LOCKED:
    'The delivery queue file is in use by another running agent (its pid is named): two agents cannot share one queue.',
  SB_ERR_LISTEN:
    'An HTTP listener (health, metrics, incoming webhooks) could not listen: port in use or not permitted, or not an address of this machine.',
  SB_ERR_KUBE_CLUSTER:
    "The agent's own connection to the Kubernetes API server (settings.kubeconfig, or in-cluster) cannot be read or used.",
  SB_ERR_KUBE_RBAC:
    "A plugin entry's context.rbac cannot be turned into a Kubernetes identity for this call (empty name, ChannelName without a channel).",
  SB_ERR_KUBE_PROXY:
    'The Kubernetes impersonation proxy was given an invalid upstream, credential or identity, or could not listen.',
  SB_ERR_HA_ELECTION:
    'Leader election options are invalid: identity, lease or bucket name, or timings (leaseDuration > renewDeadline > retryPeriod).',
  SB_ERR_HA_LEASE:
    'The leader lease could not be read or written: the API server or NATS refused it (RBAC, missing bucket rights), answered unexpectedly, or the KV bucket has another TTL.',
} as const;

/** One Switchboard error code. */
export type ErrorCode = keyof typeof errorCodes;
