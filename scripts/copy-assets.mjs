// Copies the non-TypeScript files the agent loads or serves at run time (the console's web page
// and the console protocol module it shares with the agent and the CLI) from src/ into dist/,
// next to the compiled modules that load them via import.meta.url.
import { cp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assets = ['bots/console/page', 'core/console-protocol.js'];

for (const dir of assets) {
  const from = join(root, 'src', dir);
  const to = join(root, 'dist', dir);
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true, errorOnExist: false }).catch((err) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
