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
  SB_ERR_DELIVERY: 'A message could not be delivered to a chat platform or sink.',
  SB_ERR_CLI_USAGE: 'A command-line argument or input file is invalid.',
} as const;

/** One Switchboard error code. */
export type ErrorCode = keyof typeof errorCodes;
