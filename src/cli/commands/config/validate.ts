import { Command, Flags } from '@oclif/core';
import { ConfigError, type ConfigIssue } from '../../../config/issues.js';
import { configPathsFromEnv, loadConfig } from '../../../config/load.js';
import { printIssues } from '../../print-issues.js';

/** `switchboard config validate`: load the config as the agent would and list every problem. */
export default class ConfigValidate extends Command {
  static override summary =
    'Check configuration files and list every error and warning with its file and line';
  static override description =
    'Loads the files exactly as the agent does (merge order, _-prefixed files last, SWITCHBOARD_/BOTKUBE_ environment overrides, {fromFile}/{fromEnv} secrets, defaults) and validates the result once. Exits 0 when the configuration is valid (warnings are printed on stderr), 1 when it has errors (all of them are listed), 2 on a usage error. Without --config, SWITCHBOARD_CONFIG_PATHS (else BOTKUBE_CONFIG_PATHS) names the files, comma-separated.';

  static override examples = [
    '<%= config.bin %> config validate -c config.yaml',
    '<%= config.bin %> config validate -c global_config.yaml -c comm_config.yaml -c _runtime_state.yaml',
    '<%= config.bin %> config validate -c config.yaml --json',
  ];

  static override flags = {
    config: Flags.string({ char: 'c', multiple: true, description: 'YAML config file(s), merged in order' }),
    json: Flags.boolean({ description: 'print {valid, files, errors, warnings} as JSON on stdout' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigValidate);
    const files = flags.config ?? configPathsFromEnv();
    if (files.length === 0) {
      this.error('no config files: pass --config <file> (repeatable) or set SWITCHBOARD_CONFIG_PATHS', {
        exit: 2,
      });
    }
    let errors: readonly ConfigIssue[] = [];
    let warnings: readonly ConfigIssue[];
    try {
      ({ warnings } = await loadConfig({ files }));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors = err.issues;
      warnings = err.warnings;
    }
    if (flags.json) {
      this.log(JSON.stringify({ valid: errors.length === 0, files, errors, warnings }, null, 2));
    } else {
      printIssues(errors, warnings);
      if (errors.length === 0) {
        const count =
          warnings.length === 0
            ? 'no warnings'
            : `${warnings.length} warning${warnings.length === 1 ? '' : 's'}`;
        this.log(`configuration is valid (${files.length} file${files.length === 1 ? '' : 's'}, ${count})`);
      } else {
        process.stderr.write(
          `configuration is invalid: ${errors.length} error${errors.length === 1 ? '' : 's'}\n`,
        );
      }
    }
    if (errors.length > 0) this.exit(1);
  }
}
