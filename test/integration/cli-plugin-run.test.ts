import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

const fixtures = inject('tsFixtures');
const executor = fixtures['executor-fixture'] as string;
const source = fixtures['source-fixture'] as string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(join(repoRoot, 'bin/run.js'), args, {
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function file(name: string, content: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'sb-cli-')), name);
  await writeFile(path, content);
  return path;
}

describe('switchboard plugin run', () => {
  it('prints metadata, as text and as JSON', async () => {
    const text = await cli('plugin', 'run', executor, 'metadata');
    expect(text.stdout).toContain('version:       v0.9.0');
    expect(text.stdout).toContain('dependency:    jq (linux/amd64) https://example.invalid/jq');
    const json = JSON.parse(
      (await cli('plugin', 'run', source, 'metadata', '--type', 'source', '--json')).stdout,
    );
    expect(json).toMatchObject({
      version: '1.2.3',
      externalRequest: { payloadJsonSchema: { value: '{"type":"object"}' } },
    });
  }, 60_000);

  it('executes a command with merged config files, streaming output as it comes', async () => {
    const a = await file('a.yaml', 'prefix: "A-"\n');
    const b = await file('b.yaml', 'prefix: "B-"\n');
    expect(
      (await cli('plugin', 'run', executor, 'execute', 'fixture echo hi', '-c', a, '-c', b)).stdout,
    ).toBe('B-hi\n');
    expect((await cli('plugin', 'run', executor, 'execute', 'fixture stream 3 1')).stdout).toBe(
      'line 1\nline 2\nline 3\n',
    );
    const json = JSON.parse(
      (await cli('plugin', 'run', executor, 'execute', 'fixture echo x', '--json')).stdout,
    );
    expect(json.message.baseBody.codeBlock).toBe('x');
    // An answer's extra messages follow it.
    expect((await cli('plugin', 'run', executor, 'execute', 'fixture many 2')).stdout).toBe(
      'answer\nextra 1\nextra 2\n',
    );
  }, 60_000);

  it('prints help with buttons as the commands they run', async () => {
    expect((await cli('plugin', 'run', executor, 'help')).stdout).toBe(
      'fixture help\n\n[Echo] → fixture echo hi\n',
    );
  });

  it('streams source events and stops after --count', async () => {
    const config = await file('ticks.yaml', 'count: 100\nintervalMs: 5\n');
    const out = await cli(
      'plugin',
      'run',
      source,
      'stream',
      '--type',
      'source',
      '-c',
      config,
      '--count',
      '2',
      '--json',
      '--source-name',
      'cli-src',
    );
    expect(out.code).toBe(0);
    const events = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.message.baseBody.plaintext)).toEqual([
      'tick 1 from cli-src',
      'tick 2 from cli-src',
    ]);
  });

  it('sends a webhook payload file to a source', async () => {
    const payload = await file('p.json', '{"hello":"world"}');
    const out = await cli('plugin', 'run', source, 'webhook', payload, '--type', 'source', '--json');
    expect(JSON.parse(out.stdout)).toMatchObject({ rawObject: { hello: 'world' } });
  });

  it('exits non-zero with a message that says what went wrong', async () => {
    const failed = await cli('plugin', 'run', executor, 'execute', 'fixture fail badly');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('fixture failure: badly');
    const missing = await cli('plugin', 'run', '/nonexistent/plugin', 'metadata');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('the file does not exist');
    const usage = await cli('plugin', 'run', executor, 'execute');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('execute needs an argument');
    const badConfig = await cli(
      'plugin',
      'run',
      executor,
      'execute',
      'fixture echo',
      '-c',
      '/nonexistent.yaml',
    );
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('cannot read config file /nonexistent.yaml');
  }, 60_000);

  it('shows --help and --version', async () => {
    expect((await cli('--version')).stdout).toMatch(/^switchboard\/\d+\.\d+\.\d+/);
    expect((await cli('plugin', 'run', '--help')).stdout).toContain('execute "<command>"');
  }, 60_000);
});
