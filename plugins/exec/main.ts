/**
 * The exec executor: runs allow-listed programs (argv, never a shell) and streams their output.
 * See README.md for the config and the security model.
 */
import { serveExecutor } from '../../src/sdk/index.js';
import { execConfigSchema } from './config.js';
import { execute } from './exec.js';
import { renderUsage } from './render.js';

await serveExecutor({
  metadata: {
    version: '1.0.0',
    description: 'Runs allow-listed programs without a shell and streams their output.',
    jsonSchema: execConfigSchema,
  },
  help: renderUsage,
  execute,
});
