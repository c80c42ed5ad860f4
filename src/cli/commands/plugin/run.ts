import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { parseEvent } from '../../../contract/event.js';
import type { Message } from '../../../contract/message.js';
import { parseMessage } from '../../../contract/message.js';
import { renderMessageText as renderRich } from '../../../core/render-text.js';
import { createRootLogger, type LogLevel } from '../../../log/logger.js';
import { createExecutorClient } from '../../../plugins/host/executor-client.js';
import { instanceHandle } from '../../../plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../../plugins/host/plugin-instance.js';
import { createSourceClient, type SourceCallContext } from '../../../plugins/host/source-client.js';
import { exitOnSwitchboardError } from '../../exit-on-error.js';

const renderMessageText = (message: Message): string =>
  renderRich(message, { format: 'plain' }).full.replace(/\n$/, '');

const operations = ['metadata', 'help', 'execute', 'stream', 'webhook'] as const;
type Operation = (typeof operations)[number];

/** Runs any go-plugin plugin binary (Botkube's or ours) through the Switchboard host. */
export default class PluginRun extends Command {
  static override summary = 'Run a plugin binary through the host and print what it answers';
  static override description =
    `Starts the plugin exactly as the agent does (scrubbed environment, AutoMTLS, handshake checks) and makes one call:
  metadata              print version, description, schema, dependencies
  help                  the executor's help message
  execute "<command>"   run a command (the command starts with the plugin name, e.g. "echo hello")
  stream                open a source stream and print events (--count to stop after N)
  webhook <payload>     send a JSON file (or - for stdin) as an incoming webhook to a source`;

  static override examples = [
    '<%= config.bin %> plugin run ./dist/plugins/executor_echo metadata',
    '<%= config.bin %> plugin run ./executor_echo execute "echo hello" --config echo.yaml',
    '<%= config.bin %> plugin run ./source_schedule stream --config schedule.yaml --count 3 --json',
    '<%= config.bin %> plugin run ./source_webhook webhook payload.json --json',
  ];

  static override args = {
    binary: Args.string({ required: true, description: 'path to the plugin executable' }),
    operation: Args.string({ required: true, options: [...operations], description: 'what to call' }),
    argument: Args.string({ description: 'the command (execute) or payload file (webhook)' }),
  };

  static override flags = {
    config: Flags.string({ char: 'c', multiple: true, description: 'YAML config file(s), merged in order' }),
    count: Flags.integer({ min: 1, description: 'stream: stop after this many events' }),
    json: Flags.boolean({ description: 'machine-readable output (JSON; NDJSON for stream)' }),
    type: Flags.string({
      options: ['executor', 'source'],
      description: 'plugin type (default: from the file name, else guessed)',
    }),
    'auto-mtls': Flags.boolean({
      default: true,
      allowNo: true,
      description: 'mutual TLS between host and plugin',
    }),
    'start-timeout': Flags.integer({ default: 10_000, description: 'ms to wait for the handshake' }),
    timeout: Flags.integer({ default: 30_000, description: 'ms deadline for the call' }),
    'source-name': Flags.string({ default: 'cli', description: 'source group name sent to a source' }),
    'cluster-name': Flags.string({ default: 'local', description: 'cluster name sent to plugins' }),
    'log-level': Flags.string({
      default: 'warn',
      options: ['trace', 'debug', 'info', 'warn', 'error', 'silent'],
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginRun);
    const operation = args.operation as Operation;
    if ((operation === 'execute' || operation === 'webhook') && !args.argument) {
      this.error(
        `${operation} needs an argument: ${operation === 'execute' ? 'the command to run' : 'a JSON payload file, or -'}`,
        {
          exit: 2,
        },
      );
    }
    const configs = await Promise.all(
      (flags.config ?? []).map(async (file) => {
        try {
          return await readFile(file);
        } catch (err) {
          this.error(`cannot read config file ${file}: ${(err as Error).message}`, { exit: 2 });
        }
      }),
    );
    const binary = resolve(args.binary);
    const logger = createRootLogger({ level: flags['log-level'] as LogLevel });
    let instance: PluginInstance | undefined;
    const stop = () => void instance?.stop().finally(() => process.exit(130));
    process.once('SIGINT', stop);
    try {
      instance = await launchPlugin({
        name: basename(binary),
        binary,
        logger,
        autoMtls: flags['auto-mtls'],
        startTimeoutMs: flags['start-timeout'],
      });
      const type =
        flags.type ??
        typeFromName(binary) ??
        (operation === 'stream' || operation === 'webhook' ? 'source' : 'executor');
      const context: SourceCallContext = {
        interactive: false,
        clusterName: flags['cluster-name'],
        sourceName: flags['source-name'],
        incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
      };
      const rawConfig =
        configs.length > 0 ? new Uint8Array(configs[configs.length - 1] as Buffer) : new Uint8Array();
      const handle = instanceHandle(instance);
      const deadline = { deadlineMs: flags.timeout };

      if (operation === 'metadata') {
        const metadata =
          type === 'source'
            ? await createSourceClient(handle).metadata(deadline)
            : await createExecutorClient(handle).metadata(deadline);
        this.log(flags.json ? JSON.stringify(metadata, null, 2) : describeMetadata(metadata));
      } else if (operation === 'help') {
        this.printMessage(await createExecutorClient(handle).help(deadline), flags.json);
      } else if (operation === 'execute') {
        const client = createExecutorClient(handle);
        const call = {
          command: args.argument as string,
          configs: configs.map((c) => new Uint8Array(c as Buffer)),
          context: { interactive: false, incomingWebhookBaseUrl: '' },
        };
        if (flags.json) {
          const answer = await client.execute(call, deadline);
          this.log(
            JSON.stringify(
              {
                message: parseMessage(answer.message),
                messages: answer.messages.map((m) => parseMessage(m)),
              },
              null,
              2,
            ),
          );
        } else {
          for await (const chunk of client.executeStreaming(call, deadline)) {
            if (chunk.kind === 'output') process.stdout.write(chunk.text);
            else if (chunk.kind === 'message') this.log(renderMessageText(parseMessage(chunk.message)));
            else for (const extra of chunk.messages) this.log(renderMessageText(parseMessage(extra)));
          }
        }
      } else if (operation === 'stream') {
        let seen = 0;
        const controller = new AbortController();
        for await (const event of createSourceClient(handle).stream(
          { config: rawConfig, context },
          { signal: controller.signal },
        )) {
          const parsed = parseEvent(event);
          this.log(flags.json ? JSON.stringify(parsed) : renderMessageText(parsed.message));
          seen += 1;
          if (flags.count !== undefined && seen >= flags.count) {
            controller.abort();
            break;
          }
        }
      } else {
        const payload = args.argument === '-' ? await readStdin() : await readFile(args.argument as string);
        const event = await createSourceClient(handle).handleExternalRequest(
          { payload: new Uint8Array(payload), config: rawConfig, context },
          deadline,
        );
        const parsed = parseEvent(event);
        this.log(flags.json ? JSON.stringify(parsed, null, 2) : renderMessageText(parsed.message));
      }
    } catch (err) {
      exitOnSwitchboardError(this, err);
    } finally {
      process.removeListener('SIGINT', stop);
      await instance?.stop();
      logger.flush();
    }
  }

  private printMessage(bytes: Uint8Array, json: boolean): void {
    const message = parseMessage(bytes);
    this.log(json ? JSON.stringify(message, null, 2) : renderMessageText(message));
  }
}

/** Botkube's file naming: `<type>_<name>[_<os>_<arch>]`. */
function typeFromName(binary: string): 'executor' | 'source' | undefined {
  const prefix = basename(binary).split('_')[0];
  return prefix === 'executor' || prefix === 'source' ? prefix : undefined;
}

function describeMetadata(m: {
  version: string;
  description: string;
  documentationUrl: string;
  recommended: boolean;
  jsonSchema?: { value?: string; refUrl?: string };
  dependencies: Record<string, Record<string, string>>;
}): string {
  const lines = [`version:       ${m.version}`, `description:   ${m.description}`];
  if (m.documentationUrl) lines.push(`documentation: ${m.documentationUrl}`);
  lines.push(`recommended:   ${m.recommended}`);
  if (m.jsonSchema?.refUrl) lines.push(`config schema: ${m.jsonSchema.refUrl}`);
  else if (m.jsonSchema?.value) lines.push(`config schema: ${m.jsonSchema.value}`);
  for (const [name, urls] of Object.entries(m.dependencies)) {
    for (const [platform, url] of Object.entries(urls))
      lines.push(`dependency:    ${name} (${platform}) ${url}`);
  }
  return lines.join('\n');
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
