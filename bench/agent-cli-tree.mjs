#!/usr/bin/env node
// `switchboard` as the package ran before dist/bundle/ (bench/agent-memory.ts's "before" for the
// CLI rows): oclif from node_modules, the commands from tsc's module tree in dist/cli/commands,
// @oclif/plugin-help as a plugin, and no oclif.manifest.json (oclif then imports every command
// module to list them). Same arguments as bin/run.js.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execute } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
pjson.oclif = {
  ...pjson.oclif,
  commands: './dist/cli/commands',
  hooks: { command_not_found: './dist/cli/hooks/command-not-found.js' },
  plugins: ['@oclif/plugin-help'],
};
// oclif passes no ignoreManifest to the root plugin, and the manifest that `npm run build` writes
// names the bundle's files. A manifest of another version is not used (oclif warns, and builds
// the command list by importing every command module, as it did without one).
pjson.version = '0.0.0';
process.removeAllListeners('warning');
await execute({ loadOptions: { root, pjson } });
