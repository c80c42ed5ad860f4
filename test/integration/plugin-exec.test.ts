import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/contract/message.js';
import { repoRoot } from '../support/build-fixtures.js';
import {
  builtinPlugin,
  executeCall,
  gohost,
  isRunning,
  messageText,
  pluginLauncher,
} from '../support/builtin-plugins.js';
import { waitFor } from '../support/test-logger.js';

const plugins = pluginLauncher();
afterEach(() => plugins.stopAll());

const scripts = join(repoRoot, 'test/fixtures/exec');
let dir: string;
let config: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-exec-'));
  config = [
    'commands:',
    `  lines: { path: ${scripts}/lines.sh, args: ["[0-9]+"] }`,
    `  gate: { path: ${scripts}/gate.sh, args: ["${dir}/[a-z]+"] }`,
    `  family: { path: ${scripts}/family.sh }`,
    '  seq: { args: ["[0-9]+"] }', // found in the plugin's PATH
    '  env: {}',
    '  ls: { args: [".*"] }', // any argument at all: shows that nothing is expanded
    'env: { GREETING: hello }',
    `workingDir: ${dir}`,
    'timeout: 10s',
    'maxOutputBytes: 2000',
    '',
  ].join('\n');
});

async function streamed(command: string, extraConfig = '', signal?: AbortSignal) {
  const { client } = await plugins.executor('executor/exec');
  const chunks: string[] = [];
  const messages = [];
  for await (const chunk of client.executeStreaming(executeCall(command, [config, extraConfig]), {
    ...(signal ? { signal } : {}),
  })) {
    if (chunk.kind === 'output') chunks.push(chunk.text);
    else if (chunk.kind === 'message') messages.push(parseMessage(chunk.message));
  }
  return { chunks, messages, final: messages.at(-1) };
}

describe('exec plugin under the Switchboard host', () => {
  it.each([
    [
      'exec rm -rf /',
      '`rm` is not an allowed command. Allowed: `env`, `family`, `gate`, `lines`, `ls`, `seq`.',
    ],
    ['exec ls; reboot', '`ls;` is not an allowed command.'],
    ['exec $(reboot)', '`$(reboot)` is not an allowed command.'],
    ['exec `reboot`', 'is not an allowed command.'],
    ['exec /bin/sh -c id', '`/bin/sh` is a path; commands are chosen by name only.'],
    ['exec ../../bin/sh', '`../../bin/sh` is a path'],
    ['exec ./ls', '`./ls` is a path'],
    [
      'exec lines 3 ; reboot',
      'Argument `;` is not allowed. Each argument of `lines` must match one of: `[0-9]+`.',
    ],
    ['exec env -i', 'Argument `-i` is not allowed. `env` takes no arguments here.'],
    ["exec ls 'unclosed", 'a single quote is not closed.'],
  ])('refuses %j, saying what is allowed', async (command, reason) => {
    const { client } = await plugins.executor('executor/exec');
    const answer = messageText((await client.execute(executeCall(command, [config]))).message);
    expect(answer).toMatch(/^Refused: /);
    expect(answer).toContain(reason);
  });

  it('passes $(…) and backticks to the program as plain text, never to a shell', async () => {
    const marker = join(dir, 'expanded');
    const { final } = await streamed(`exec ls "$(touch ${marker})" \`touch ${marker}\``);
    expect(final?.baseBody.codeBlock).toContain(`'$(touch ${marker})'`);
    expect(final?.sections?.[0]?.context?.[0]?.text).toBe('Exit status 2.');
    expect(existsSync(marker)).toBe(false);
  });

  it('runs the program from PATH with a clean environment plus the configured variables', async () => {
    const { chunks, final } = await streamed('exec env');
    expect(final).toBeUndefined();
    const env = chunks.join('');
    expect(env).toContain('GREETING=hello');
    expect(env).toContain(`PATH=${process.env.PATH}`);
    expect(env).not.toMatch(/PLUGIN_|BOTKUBE|SLACK_BOT_TOKEN/);
  });

  it('streams output while the command runs', async () => {
    const { client } = await plugins.executor('executor/exec');
    const release = join(dir, 'release');
    const chunks: string[] = [];
    let final: ReturnType<typeof parseMessage> | undefined;
    for await (const chunk of client.executeStreaming(executeCall(`exec gate ${release}`, [config]))) {
      if (chunk.kind === 'output') {
        chunks.push(chunk.text);
        // The script waits for this file: the test only gets here if the first line came early.
        if (chunks.join('').includes('waiting')) await writeFile(release, '');
      } else if (chunk.kind === 'message') {
        final = parseMessage(chunk.message);
      }
    }
    expect(chunks.join('')).toBe(`waiting for ${release}\nreleased\n`);
    // It succeeded, so the streamed text is the answer: no replacing message follows.
    expect(final).toBeUndefined();
  });

  it('answers unary Execute (what Botkube hosts call) with the collected output', async () => {
    const { client } = await plugins.executor('executor/exec');
    const answer = await client.execute(executeCall('exec lines 3', [config]));
    expect(parseMessage(answer.message).baseBody.codeBlock).toBe('line 1\nline 2\nline 3\n');
  });

  it('shows the exit status of a failed command under its output', async () => {
    const { final } = await streamed('exec lines 2 3');
    expect(final).toEqual({
      baseBody: { codeBlock: 'line 1\nline 2\n' },
      sections: [{ context: [{ text: 'Exit status 3.' }] }],
    });
  });

  it('stops a command at its time limit and at the output limit', async () => {
    const slow = await streamed(`exec gate ${dir}/never`, 'timeout: 300ms\n');
    expect(slow.final?.sections?.[0]?.context?.[0]?.text).toBe(
      'Stopped after the 300ms time limit (config: timeout).',
    );
    const big = await streamed('exec seq 100000');
    expect(big.chunks.join('')).toHaveLength(2000);
    expect(big.final?.sections?.[0]?.context?.[0]?.text).toBe(
      'Output cut at 2000 bytes and the command stopped (config: maxOutputBytes).',
    );
  });

  it('kills the command and everything it started when the call is cancelled', async () => {
    const { client } = await plugins.executor('executor/exec');
    const controller = new AbortController();
    let pids: number[] = [];
    const consume = async () => {
      for await (const chunk of client.executeStreaming(executeCall('exec family', [config]), {
        signal: controller.signal,
      })) {
        const match = chunk.kind === 'output' && /parent (\d+) child (\d+)/.exec(chunk.text);
        if (match) {
          pids = [Number(match[1]), Number(match[2])];
          controller.abort();
        }
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: 'SB_ERR_PLUGIN_CANCELLED' });
    expect(pids).toHaveLength(2);
    for (const pid of pids) {
      await waitFor(async () => !(await isRunning(pid)), 15_000, `process ${pid} to end`);
    }
  });

  it('kills the process group when the host deadline passes (unary Execute)', async () => {
    const { client, lines } = await plugins.executor('executor/exec');
    await expect(
      client.execute(executeCall('exec family', [config]), { deadlineMs: 1000 }),
    ).rejects.toMatchObject({ code: 'SB_ERR_PLUGIN_DEADLINE' });
    // The plugin logs the command before it starts; the script's pids are in /proc until killed.
    // Relayed from the plugin's stderr, which may trail the deadline error.
    await waitFor(() => lines.find((l) => l.msg === 'running command'), 15_000, 'log line');
    const leftovers = async () => {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
      return out.split('\n').filter((l) => l.includes(`${scripts}/family.sh`));
    };
    await waitFor(async () => (await leftovers()).length === 0, 15_000, 'family.sh to end');
  });

  it('reports metadata with its config schema', async () => {
    const { client } = await plugins.executor('executor/exec');
    const metadata = await client.metadata();
    expect(metadata.version).toBe('1.0.0');
    expect(JSON.parse(metadata.jsonSchema?.value ?? '{}')).toMatchObject({ required: ['commands'] });
  });
});

describe("exec plugin under go-plugin's client (gohost)", () => {
  it('runs an allowed command and refuses a path trick', async () => {
    const binary = builtinPlugin('executor/exec');
    const ok = (await gohost(['-config', config, binary, 'execute', 'exec lines 2'])) as {
      message: { baseBody: { codeBlock: string } };
    };
    expect(ok.message.baseBody.codeBlock).toBe('line 1\nline 2\n');
    const refused = (await gohost(['-config', config, binary, 'execute', 'exec /bin/sh'])) as {
      message: { baseBody: { plaintext: string } };
    };
    expect(refused.message.baseBody.plaintext).toContain('`/bin/sh` is a path');
  });
});
