/**
 * The alertmanager executor: `alertmanager alerts|silences|silence|expire` against the
 * Alertmanager API v2. See README.md.
 */
import { serveExecutor } from '../../src/sdk/index.js';
import { executorConfigSchema } from './config.js';
import { renderHelp } from './render-commands.js';
import { runCommand } from './run-command.js';

await serveExecutor({
  metadata: {
    version: '1.0.0',
    description: 'Lists Alertmanager alerts and creates and expires silences from chat.',
    jsonSchema: executorConfigSchema,
  },
  help: renderHelp,
  execute: (input) => runCommand(input),
});
