import type { PluginType } from '../repository/index-format.js';

/**
 * The generated project's test (plain JavaScript for `node --test`, so it needs no compile
 * step): it takes the program out of the archive `plugin build` made for this machine and runs
 * it through the real host with `switchboard plugin run`.
 */
export function pluginTestSource(type: PluginType, name: string): string {
  const calls = type === 'executor' ? executorCalls(name) : sourceCalls(name);
  return `import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Run \`npm run build\` first (\`npm test\` does): the test runs what the archive holds.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(dirname(createRequire(import.meta.url).resolve('switchboard/package.json')), 'bin/run.js');
const os = process.platform === 'win32' ? 'windows' : process.platform;
const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
const scratch = mkdtempSync(join(tmpdir(), '${name}-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

execFileSync('tar', ['-xzf', join(root, 'dist', '${type}_${name}_' + os + '_' + arch + '.tar.gz'), '-C', scratch]);
const plugin = join(scratch, '${type}_${name}');

/** \`switchboard plugin run <plugin> ...args --json\`, parsed. */
function run(...args) {
  return execFileSync(process.execPath, [cli, 'plugin', 'run', plugin, ...args, '--json'], { encoding: 'utf8' }).trim();
}
${calls}`;
}

function executorCalls(name: string): string {
  return `
test('answers a command with the greeting from its config', () => {
  const config = join(scratch, 'config.yaml');
  writeFileSync(config, 'greeting: Hi\\n');
  const answer = JSON.parse(run('execute', '${name} Ada', '--config', config));
  assert.equal(answer.message.baseBody.codeBlock, 'Hi, Ada!');
});

test('publishes metadata the index accepts', () => {
  const metadata = JSON.parse(run('metadata'));
  assert.equal(metadata.version, '0.1.0');
  assert.match(metadata.description, /${name}/);
});
`;
}

function sourceCalls(name: string): string {
  return `
test('streams heartbeats at the period from its config', () => {
  const config = join(scratch, 'config.yaml');
  writeFileSync(config, 'everyMs: 20\\n');
  const events = run('stream', '--config', config, '--count', '2').split('\\n').map((line) => JSON.parse(line));
  assert.deepEqual(
    events.map((e) => e.rawObject),
    [{ beat: 1 }, { beat: 2 }],
  );
});

test('turns an incoming webhook into an event', () => {
  const payload = join(scratch, 'payload.json');
  writeFileSync(payload, JSON.stringify({ text: 'deploy done' }));
  const event = JSON.parse(run('webhook', payload));
  assert.equal(event.message.baseBody.plaintext, '${name} received: deploy done');
});
`;
}
