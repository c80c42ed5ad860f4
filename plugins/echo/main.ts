/**
 * The echo executor: the smallest complete Switchboard plugin. Copy this directory to start
 * your own; it shows metadata with a config schema, help, config reading and a button.
 * Bundle it with `switchboard plugin build`, try it with `switchboard plugin run`.
 */
import { serveExecutor } from '../../src/sdk/index.js';
import { echoConfigSchema, readEchoConfig } from './config.js';
import { echo, usage } from './echo.js';

await serveExecutor({
  metadata: {
    version: '1.0.0',
    description: 'Echoes the command back; the template for executor plugins.',
    jsonSchema: echoConfigSchema,
  },
  help: usage,
  // input.config() merges every config bound to this command (later ones win).
  execute: (input) => echo(input.command, readEchoConfig(input.config())),
});
