import { Command, Flags } from '@oclif/core';
import { ConfigError } from '../../config/issues.js';
import { configPathsFromEnv, loadConfig } from '../../config/load.js';
import { formatStatus } from '../format-status.js';

/** `switchboard status`: what a running agent serves and what it is retrying, from its `/status`. */
export default class Status extends Command {
  static override summary = "Show a running agent's status: what serves, what failed and when it is retried";
  static override description =
    "Reads the agent's /status (its health listener: --url, or settings.healthAddress and healthPort of --config, else http://127.0.0.1:2114) and prints the problems first (each failed repository, plugin and platform with the reason and the next retry), then platforms, plugins, repositories, sources and non-empty delivery queues. --json prints the document unchanged. Exit code: 0 when everything serves, 2 when something does not (degraded or not ready), 1 when the agent cannot be reached.";

  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status -c config.yaml',
    '<%= config.bin %> status --url http://127.0.0.1:2114 --json',
  ];

  static override flags = {
    url: Flags.string({
      description: "base URL of the agent's health listener (default http://127.0.0.1:2114)",
    }),
    config: Flags.string({
      char: 'c',
      multiple: true,
      description: 'config file(s) of the agent: its settings.healthAddress and healthPort give the URL',
      exclusive: ['url'],
    }),
    json: Flags.boolean({ description: 'print the /status JSON document' }),
    timeout: Flags.integer({ description: 'seconds to wait for the answer', default: 10, min: 1 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    const base = (flags.url ?? (await this.#urlFromConfig(flags.config))).replace(/\/+$/, '');
    let document: unknown;
    try {
      const response = await fetch(`${base}/status`, { signal: AbortSignal.timeout(flags.timeout * 1000) });
      if (!response.ok) throw new Error(`HTTP ${response.status} from ${base}/status`);
      document = await response.json();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      process.stderr.write(
        `switchboard: cannot read the agent's status at ${base}/status: ${cause ?? (err as Error).message}; is the agent running, and is this its health listener (--url)?\n`,
      );
      return this.exit(1);
    }
    process.stdout.write(
      flags.json ? `${JSON.stringify(document, null, 2)}\n` : formatStatus(document, base, Date.now()),
    );
    const doc = document as { ready?: unknown; problems?: unknown };
    const problems = Array.isArray(doc.problems) ? doc.problems.length : 0;
    if (doc.ready !== true || problems > 0) return this.exit(2);
  }

  async #urlFromConfig(files: string[] | undefined): Promise<string> {
    const paths = files ?? configPathsFromEnv();
    if (paths.length === 0) return 'http://127.0.0.1:2114';
    try {
      const { config } = await loadConfig({ files: paths });
      const { healthAddress, healthPort } = config.settings as { healthAddress?: string; healthPort: number };
      // A wildcard listener is reached through loopback from this machine.
      const host =
        !healthAddress || healthAddress === '0.0.0.0'
          ? '127.0.0.1'
          : healthAddress === '::'
            ? '::1'
            : healthAddress;
      return `http://${host.includes(':') ? `[${host}]` : host}:${healthPort}`;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.error(`the configuration has ${err.issues.length} error(s); run \`switchboard config validate\``, {
        exit: 1,
      });
    }
  }
}
