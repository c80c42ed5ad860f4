/**
 * How configuration keys and environment variable names map onto each other (Botkube's
 * convention). Pure naming, no environment reads: config/ reads the variables, and messages
 * anywhere (a bot that cannot listen, a listener) name the variable that would change a setting.
 */

/**
 * Botkube's variable-name convention (`pkg/config/config.go` `normalizeConfigEnvName`):
 * after the prefix, `__` marks a camelCase boundary (the next letter is upper-cased, the rest
 * lower-cased) and a single `_` separates nesting levels. Returns undefined for names with
 * an empty segment (a trailing `_`).
 *
 * `SWITCHBOARD_SETTINGS_CLUSTER__NAME` → `settings.clusterName`;
 * `SWITCHBOARD_PLUGINS_INCOMING__WEBHOOK_IN__CLUSTER__BASE__U__R__L` → `plugins.incomingWebhook.inClusterBaseURL`.
 */
export function envNameToPath(name: string, prefix: string): string[] | undefined {
  const words = name.slice(prefix.length).split('__');
  const joined = words
    .map((word, index) => {
      const lower = word.toLowerCase();
      return index === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join('');
  const path = joined.split('_');
  return path.some((segment) => segment === '') ? undefined : path;
}

/**
 * The `SWITCHBOARD_` variable that sets the config key at `path`, the inverse of
 * {@link envNameToPath} (`settings.healthPort` → `SWITCHBOARD_SETTINGS_HEALTH__PORT`), for
 * messages that tell people how to change a setting. Undefined when no variable can reach it
 * (a map key with a capital letter or an underscore).
 */
export function envNameForPath(path: readonly string[]): string | undefined {
  const prefix = 'SWITCHBOARD_';
  const name = prefix + path.map((key) => key.replace(/[A-Z]/g, '__$&').toUpperCase()).join('_');
  return envNameToPath(name, prefix)?.join('\0') === path.join('\0') ? name : undefined;
}
