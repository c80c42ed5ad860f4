import { Command, Flags } from '@oclif/core';
import { stringify } from 'yaml';
import { ConfigError } from '../../../config/issues.js';
import { configPathsFromEnv, loadConfig } from '../../../config/load.js';
import { redactConfig } from '../../../config/redact.js';
import { printIssues } from '../../print-issues.js';

/** `switchboard config show`: the merged configuration with defaults, secrets redacted. */
export default class ConfigShow extends Command {
  static override summary = 'Print the merged configuration with defaults applied and secrets redacted';
  static override description =
    'Loads and validates the files as the agent does, then prints the result: files merged in order, environment overrides applied, every default filled in, every secret shown as [redacted]. The output is a valid configuration (YAML, or JSON with --json). Warnings go to stderr; with errors nothing is printed on stdout, the errors go to stderr and the exit code is 1.';

  static override examples = [
    '<%= config.bin %> config show -c config.yaml',
    '<%= config.bin %> config show -c config.yaml -c _runtime_state.yaml --json',
  ];

  static override flags = {
    config: Flags.string({ char: 'c', multiple: true, description: 'YAML config file(s), merged in order' }),
    json: Flags.boolean({ description: 'print JSON instead of YAML' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigShow);
    const files = flags.config ?? configPathsFromEnv();
    if (files.length === 0) {
      this.error('no config files: pass --config <file> (repeatable) or set SWITCHBOARD_CONFIG_PATHS', {
        exit: 2,
      });
    }
    try {
      const { config, warnings } = await loadConfig({ files });
      printIssues([], warnings);
      const plain = redactConfig(config);
      process.stdout.write(
        flags.json ? `${JSON.stringify(plain, null, 2)}\n` : stringify(plain, { lineWidth: 0 }),
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      printIssues(err.issues, err.warnings);
      process.stderr.write(
        `configuration is invalid: ${err.issues.length} error${err.issues.length === 1 ? '' : 's'}\n`,
      );
      this.exit(1);
    }
  }
}
