import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishBuiltins, type RunningAgent, startAgent } from '../support/agent-harness.js';
import { waitFor } from '../support/test-logger.js';

/*
 * Faults injected into the files of a running agent (the real watcher, real plugins): each bad
 * change is refused with a log line naming why, the running config keeps serving, and the next
 * good change is applied.
 */

const config = (repo: string, dir: string, prefix: string) => `
communications:
  default:
    console:
      enabled: true
      channels:
        ops: {name: ops, bindings: {executors: [tools]}}
executors:
  tools:
    sb/echo: {enabled: true, config: {prefix: "${prefix}"}}
configWatcher:
  debounce: 100ms
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
  runtime:
    env:
      extra:
        API_TOKEN: {fromFile: api-token}
`;

const rejected = 'configuration change rejected; the running configuration stays';

let run: RunningAgent;
let repo: string;
beforeAll(async () => {
  repo = await publishBuiltins();
  run = await startAgent(
    (dir) => {
      writeFileSync(join(dir, 'api-token'), 'token-1\n');
      return config(repo, dir, 'v1: ');
    },
    { watch: true },
  );
}, 120_000);
afterAll(() => run?.agent.stop());

/** The rejection lines logged so far whose error matches `pattern`. */
const rejections = (pattern: RegExp) =>
  run.lines.filter((l) => l.msg === rejected && pattern.test(String(l.err)));

const reloads = () => run.lines.filter((l) => l.msg === 'configuration reloaded').length;

/** Asks `echo <word>` and waits for the echo with `prefix`: the plugin and the console still serve. */
async function echoes(prefix: string, word: string): Promise<void> {
  run.bot.say(`echo ${word}`);
  await waitFor(
    () => run.bot.finalTexts('ops').some((t) => t.includes(`${prefix}${word}`)),
    20_000,
    `the answer "${prefix}${word}"`,
  );
}

describe('hot reload faults', () => {
  it('refuses a truncated config file and applies the file once it is written again', async () => {
    await echoes('v1: ', 'before');
    const echoPid = run.agent.status().plugins.find((p) => p.name === 'sb/echo')?.pid;

    // A non-atomic save: the file is empty for a moment (here, until the test writes it again).
    writeFileSync(run.configFile, '');
    await waitFor(
      () => rejections(new RegExp(`${run.configFile}: the config file is empty`)).length > 0,
      20_000,
      'the rejection of the empty file',
    );
    expect(run.agent.status().plugins).toEqual([
      expect.objectContaining({ name: 'sb/echo', state: 'running', pid: echoPid }),
    ]);
    await echoes('v1: ', 'truncated');

    // Comments and blank lines only are refused the same way.
    writeFileSync(run.configFile, '# being edited\n\n');
    await waitFor(
      () => rejections(/the config file is empty/).length > 1,
      20_000,
      'the rejection of the comment-only file',
    );
    await echoes('v1: ', 'comments');

    const before = reloads();
    writeFileSync(run.configFile, config(repo, run.dir, 'v2: '));
    await waitFor(() => reloads() > before, 20_000, 'the rewritten file applied');
    await echoes('v2: ', 'rewritten');
  }, 90_000);

  it('refuses a secret file swapped for a FIFO, /dev/zero or an oversized file, keeping the running config', async () => {
    const secret = join(run.dir, 'api-token');
    const swaps: [string, () => Promise<void>, RegExp][] = [
      [
        'a FIFO',
        async () => {
          execFileSync('mkfifo', [secret]);
        },
        /api-token: it is a named pipe \(FIFO\); a secret must be a regular file/,
      ],
      [
        '/dev/zero',
        () => symlink('/dev/zero', secret),
        /api-token: it is a character device; a secret must be a regular file/,
      ],
      [
        'an oversized file',
        () => writeFile(secret, 'x'.repeat(65 * 1024)),
        /api-token: it is larger than the 64 KiB limit for secret files/,
      ],
    ];
    for (const [what, swap, reason] of swaps) {
      const before = rejections(reason).length;
      await rm(secret);
      await swap();
      await waitFor(() => rejections(reason).length > before, 20_000, `the rejection of ${what}`);
      const line = rejections(reason).at(-1);
      expect(String(line?.err)).toContain('plugins.runtime.env.extra.API_TOKEN');
      await echoes('v2: ', `after-${what.replace(/\W/g, '')}`);
    }

    // A good token again: the next config change is applied.
    await rm(secret);
    await writeFile(secret, 'token-2\n');
    const before = reloads();
    writeFileSync(run.configFile, config(repo, run.dir, 'v3: '));
    await waitFor(() => reloads() > before, 20_000, 'the change applied');
    await echoes('v3: ', 'recovered');
  }, 120_000);
});

describe('runtime state', () => {
  it('is kept per config: two agents sharing a state directory do not see each other’s changes', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sb-shared-state-'));
    const first = await startAgent((dir) => config(repo, dir, 'a: ').replace(/ {2}runtime:[\s\S]*$/, ''), {
      stateDir,
    });
    try {
      first.bot.say('disable notifications');
      await waitFor(
        () => first.bot.finalTexts('ops').some((t) => t.startsWith('Notifications are')),
        20_000,
        'a reply in the first agent',
      );
      expect(first.bot.finalTexts('ops')).toContain('Notifications are now disabled in this channel.');
    } finally {
      await first.agent.stop();
    }

    const second = await startAgent((dir) => config(repo, dir, 'b: ').replace(/ {2}runtime:[\s\S]*$/, ''), {
      stateDir,
    });
    try {
      // Same channel, same destination ID, another config: it starts from its own config.
      second.bot.say('disable notifications');
      await waitFor(
        () => second.bot.finalTexts('ops').some((t) => t.startsWith('Notifications are')),
        20_000,
        'a reply in the second agent',
      );
      expect(second.bot.finalTexts('ops')).toContain('Notifications are now disabled in this channel.');
    } finally {
      await second.agent.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 90_000);
});
