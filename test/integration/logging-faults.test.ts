import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';
import { spawnCli } from '../support/cli.js';
import { type TempDir, test } from '../support/temp-dir.js';
import { waitFor } from '../support/test-logger.js';

/*
 * The agent's own log through its real destination (pino's asynchronous writer on fd 2) in
 * a child process: every line reaches a pipe or a file in both formats, a reader that stops
 * reading costs bounded memory (lines are dropped and counted instead), and `switchboard
 * start` with the default text format keeps logging after its first line.
 */

/** Logs `count` debug lines through createRootLogger's default destination (fd 2). */
const loggerScript = `
import { createRootLogger } from ${JSON.stringify(join(repoRoot, 'dist/log/logger.js'))};
const [format, count] = process.argv.slice(1); // with -e there is no script path
const logger = createRootLogger({ format, level: 'debug' });
const audit = logger.child({ component: 'audit' });
const heap = () => { globalThis.gc(); const m = process.memoryUsage(); return m.heapUsed + m.external; };
audit.debug({ i: 0 }, 'warm-up');
const before = heap();
for (let i = 1; i <= Number(count); i++) audit.debug({ i, user: 'U123', channel: 'ops' }, 'command handled');
process.stdout.write(JSON.stringify({ grownBytes: heap() - before }) + '\\n');
// Stays until the test closes stdin, so a stalled reader can be resumed and the drops reported.
process.stdin.resume();
process.stdin.on('end', () => audit.info('done'));
`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function startLogger(dir: TempDir, format: 'text' | 'json', count: number, stderr: 'pipe' | number) {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--input-type=module', '-e', loggerScript, format, String(count)],
    { cwd: dir.path, stdio: ['pipe', 'pipe', stderr] },
  );
  children.push(child);
  const stats = new Promise<{ grownBytes: number }>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] as string));
    });
    child.once('exit', (code) => reject(new Error(`logger child exited (${code}) before its stats`)));
  });
  return { child, stats };
}

const lineCount = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l)).length;

describe('agent log destination (child process, real fd 2)', () => {
  for (const format of ['text', 'json'] as const) {
    test(`${format}: 10,000 lines all reach a pipe that is read, with flat memory`, async ({ dir }) => {
      const { child, stats } = startLogger(dir, format, 10_000, 'pipe');
      let text = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      const { grownBytes } = await stats;
      child.stdin?.end();
      await once(child, 'exit');
      const handled = format === 'text' ? /DEBUG audit: command handled i=\d+/ : /"msg":"command handled"/;
      expect(lineCount(text, handled)).toBe(10_000);
      expect(text).toMatch(format === 'text' ? /INFO {2}audit: done/ : /"msg":"done"/);
      expect(text).not.toContain('log lines dropped');
      // 10,000 lines are about 1.5 MB: what stays in memory is bounded by the 8 MiB cap, not by them.
      expect(grownBytes).toBeLessThan(12 * 1024 * 1024);
    }, 60_000);

    test(`${format}: 10,000 lines all reach a file`, async ({ dir }) => {
      const file = join(dir.path, 'agent.log');
      const handle = await open(file, 'w');
      const { child, stats } = startLogger(dir, format, 10_000, handle.fd);
      await stats;
      child.stdin?.end();
      await once(child, 'exit');
      await handle.close();
      const text = await readFile(file, 'utf8');
      expect(lineCount(text, /command handled/)).toBe(10_000);
      expect(text).toMatch(/done/);
    }, 60_000);

    test(`${format}: a reader that stops costs bounded memory; the drops are counted and reported`, async ({
      dir,
    }) => {
      const count = 200_000;
      const { child, stats } = startLogger(dir, format, count, 'pipe');
      // Nothing reads stderr until the child has logged everything: the pipe fills at once.
      child.stderr?.pause();
      const { grownBytes } = await stats;
      // 200,000 lines are about 30 MB; the destination holds at most 8 MiB of them.
      expect(grownBytes).toBeLessThan(20 * 1024 * 1024);

      let text = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.stderr?.resume();
      await waitFor(() => text.includes('log lines dropped'), 30_000, 'the dropped-lines notice');
      child.stdin?.end();
      await once(child, 'exit');

      const notices = text.split('\n').filter((l) => l.includes('log lines dropped'));
      const dropped = notices
        .map((l) => Number((format === 'text' ? /droppedLines=(\d+)/ : /"droppedLines":(\d+)/).exec(l)?.[1]))
        .reduce((a, b) => a + b, 0);
      expect(dropped).toBeGreaterThan(0);
      expect(lineCount(text, /command handled/) + dropped).toBe(count);
      expect(text).toMatch(/done/);
    }, 120_000);
  }
});

describe('switchboard start with the default text log format', () => {
  test('keeps writing lines after the first: each rejected config change is logged', async ({ dir }) => {
    const config = await dir.write(
      'config.yaml',
      'settings:\n  clusterName: logs\n  healthPort: 0\n  metricsPort: 0\n  log: {level: debug}\nplugins:\n  incomingWebhook: {enabled: false}\n',
    );
    const { child, stdout, stderr } = spawnCli(
      ['start', '-c', config, '--state-dir', join(dir.path, 'state')],
      { cwd: dir.path },
    );
    children.push(child);
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`start exited (${child.exitCode}): ${stderr()}`);
        return stdout().includes('is running');
      },
      60_000,
      'the agent to start',
    );
    await waitFor(() => /INFO {2}agent: agent ready/.test(stderr()), 30_000, 'the agent ready line');

    const rejected = () => lineCount(stderr(), /ERROR agent: configuration change rejected/);
    for (let n = 1; n <= 3; n++) {
      await writeFile(config, `settings:\n  log: {formatter: xml-${n}}\n`);
      await waitFor(() => rejected() >= n, 30_000, `rejected change ${n} in the log`);
    }
    expect(rejected()).toBe(3);
    child.kill('SIGTERM');
    await once(child, 'exit');
  }, 120_000);
});
