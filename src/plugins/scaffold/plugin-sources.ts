import type { PluginType } from '../repository/index-format.js';

/** The TypeScript program of a new plugin: a small working example of its kind. */
export function pluginSource(type: PluginType, name: string): string {
  return type === 'executor' ? executorSource(name) : sourceSource(name);
}

function executorSource(name: string): string {
  return `import { codeBlockMessage, commandButton, serveExecutor } from 'switchboard-sdk';

/** What a binding may set under \`config:\` (the JSON Schema below publishes it). */
interface Config {
  greeting?: string;
}

await serveExecutor({
  metadata: {
    version: '0.1.0',
    description: 'Greets whoever is named after "${name}"',
    jsonSchema: {
      type: 'object',
      properties: { greeting: { type: 'string', description: 'the word before the name' } },
      additionalProperties: false,
    },
  },
  help: () => ({
    baseBody: { plaintext: '${name} <who>: greet someone' },
    sections: [{ buttons: [commandButton('Greet the team', '${name} team')] }],
  }),
  execute(input) {
    const { greeting = 'Hello' } = input.config<Config>();
    // The command starts with the plugin's own name: "${name} Ada Lovelace".
    const who = input.command.split(/\\s+/).slice(1).join(' ') || 'world';
    return codeBlockMessage(\`\${greeting}, \${who}!\`);
  },
});
`;
}

function sourceSource(name: string): string {
  return `import { plaintextMessage, serveSource } from 'switchboard-sdk';

/** What a binding may set under \`config:\` (the JSON Schema below publishes it). */
interface Config {
  everyMs?: number;
}

await serveSource({
  metadata: {
    version: '0.1.0',
    description: 'Emits a heartbeat and turns incoming webhooks into events (${name})',
    jsonSchema: {
      type: 'object',
      properties: { everyMs: { type: 'integer', minimum: 10, description: 'heartbeat period in ms' } },
      additionalProperties: false,
    },
    externalRequestPayloadSchema: { type: 'object' },
  },
  async *stream(input) {
    const { everyMs = 60_000 } = input.config<Config>();
    let beat = 0;
    while (!input.signal.aborted) {
      beat += 1;
      yield {
        message: plaintextMessage(\`${name}: heartbeat \${beat} from \${input.context.clusterName}\`),
        rawObject: { beat },
      };
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  },
  handleExternalRequest(input) {
    const payload = input.json<{ text?: string }>();
    return { message: plaintextMessage(\`${name} received: \${payload.text ?? '(no text)'}\`), rawObject: payload };
  },
});
`;
}
