import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { createAgent } from '../../app/agent.js';
import { createPlatformFactory } from '../../app/platforms.js';
import { quickstartConfigYaml } from '../../app/quickstart.js';
import { defaultStateDir } from '../../app/state-dir.js';
import { ConfigError } from '../../config/issues.js';
import { configPathsFromEnv, loadConfig } from '../../config/load.js';
import { createRootLogger, type LogLevel } from '../../log/logger.js';
import { printIssues } from '../print-issues.js';
import { releaseStartMemory } from '../start-memory.js';

/** `switchboard start`: runs the agent, with the quickstart config when none is given. */
export default class Start extends Command {
  static override summary = 'Run the agent (with no config: the quickstart with the web console)';
  static override description =
    'With --config (or SWITCHBOARD_CONFIG_PATHS), runs the agent on those files and applies changes to them without a restart. Without any, runs the quickstart: the web console on http://127.0.0.1:2116 with the built-in plugins from this package (no tokens, no network), a demo source and a few read-only exec commands. Stops cleanly on Ctrl-C or SIGTERM.';

  static override examples = [
    '<%= config.bin %> start',
    '<%= config.bin %> start --config config.yaml',
    '<%= config.bin %> start -c global.yaml -c slack.yaml --log-format json',
  ];

  static override flags = {
    config: Flags.string({ char: 'c', multiple: true, description: 'YAML config file(s), merged in order' }),
    'state-dir': Flags.string({
      description: 'runtime state directory (default: SWITCHBOARD_STATE_DIR or ~/.local/state/switchboard)',
    }),
    'log-level': Flags.string({
      options: ['trace', 'debug', 'info', 'warn', 'error', 'silent'],
      description: 'overrides settings.log.level',
    }),
    'log-format': Flags.string({
      options: ['text', 'json'],
      description: 'overrides settings.log.formatter',
    }),
    'console-port': Flags.integer({ description: 'quickstart only: the console port (default 2116)' }),
    strict: Flags.boolean({
      description:
        'fail (exit code 1, every reason listed) when any repository, plugin or platform cannot start, instead of starting with what works and retrying the rest (settings.strictStart)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Start);
    const stateDir = flags['state-dir'] ?? defaultStateDir();
    let files = flags.config ?? configPathsFromEnv();
    const quickstart = files.length === 0;
    if (quickstart) {
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      const file = join(stateDir, 'quickstart.yaml');
      const yaml = quickstartConfigYaml({
        cacheDir: join(stateDir, 'plugins'),
        ...(flags['console-port'] !== undefined ? { consolePort: flags['console-port'] } : {}),
      });
      await writeFile(file, yaml);
      files = [file];
    }

    let loaded: Awaited<ReturnType<typeof loadConfig>>;
    try {
      loaded = await loadConfig({ files });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      printIssues(err.issues, err.warnings);
      process.stderr.write(
        `switchboard: the configuration has ${err.issues.length} error(s); not starting\n`,
      );
      return this.exit(1);
    }
    printIssues([], loaded.warnings);
    const { config } = loaded;
    const format = (flags['log-format'] as 'text' | 'json' | undefined) ?? config.settings.log.formatter;
    const logger = createRootLogger({
      level: (flags['log-level'] as LogLevel | undefined) ?? config.settings.log.level,
      format,
      colours: format === 'text' && !config.settings.log.disableColors && process.stderr.isTTY === true,
    });
    const platforms = createPlatformFactory({
      logger,
      clusterName: config.settings.clusterName,
      sinkConcurrency: config.settings.delivery.sinkConcurrency,
    });
    const agent = createAgent(config, {
      logger,
      version: this.config.version,
      stateDir,
      configFiles: files,
      createPlatform: platforms.create,
      ...(flags.strict ? { strict: true } : {}),
      ...(quickstart ? {} : { watch: { files } }),
    });

    let stopping: Promise<void> | undefined;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`switchboard: ${signal} again; exiting without waiting\n`);
        process.exit(130);
      }
      process.stderr.write(`switchboard: ${signal}: stopping (press Ctrl-C again to force)\n`);
      stopping = agent.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`switchboard: stop failed: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));

    let urls: Awaited<ReturnType<typeof agent.start>>;
    try {
      urls = await agent.start();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const prefix = typeof code === 'string' && code.startsWith('SB_ERR_') ? `${code}: ` : '';
      process.stderr.write(`switchboard: could not start: ${prefix}${(err as Error).message}\n`);
      await agent.stop().catch(() => undefined);
      return this.exit(1);
    }

    const lines = [`Switchboard ${this.config.version} is running${quickstart ? ' the quickstart' : ''}.`];
    for (const consoleUrl of platforms.consoleUrls()) lines.push(`  Web console:  ${consoleUrl}`);
    lines.push(`  Status:       ${urls.operationsUrl}/status`);
    lines.push(`  Metrics:      ${urls.metricsUrl}/metrics`);
    if (urls.webhooksUrl) lines.push(`  Webhooks:     ${urls.webhooksUrl}/sources/v1/<source>`);
    lines.push(`  Config:       ${files.join(', ')}`);
    const consoles = platforms.consoleUrls();
    if (consoles.length === 1) lines.push(`  Terminal:     switchboard chat --url ${consoles[0]}`);
    const { problems } = agent.status();
    if (problems.length > 0) {
      lines.push(
        `  Degraded:     ${problems.length} part(s) not serving; they are retried. See \`switchboard status\`:`,
      );
      for (const p of problems) lines.push(`    ${p.kind} ${p.id}: ${p.state}: ${p.reason}`);
    }
    lines.push('Press Ctrl-C to stop.');
    process.stdout.write(`${lines.join('\n')}\n`);
    // Idle from here on: what start-up allocated is garbage, and V8 alone would keep it for a minute or more.
    await releaseStartMemory();
  }
}
