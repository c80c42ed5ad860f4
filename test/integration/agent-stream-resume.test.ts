import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sourceCursorsFile } from '../../src/app/source-cursors.js';
import { freePort } from '../support/agent-harness.js';
import { startCliAgent } from '../support/cli-agent-pipeline.js';
import { publishFixtureSource } from '../support/fixture-source-repo.js';
import { SlowReceiver } from '../support/slow-receiver.js';
import { waitFor } from '../support/test-logger.js';

/**
 * Source streams resume where they were across agent restarts: the real CLI agent (a child
 * process, file cursor store in its state directory) streams the SDK fixture source in journal
 * mode (it tails a file and starts at its end unless given a resume cursor) to the webhook sink.
 * Lines appended while no agent runs are delivered after the restart, each once.
 */

describe('source streams resume across agent restarts (real agent process, file cursor store)', () => {
  const receiver = new SlowReceiver();
  const children: ChildProcess[] = [];
  let repo: string;

  beforeAll(async () => {
    repo = await publishFixtureSource();
    receiver.delayMs = 0;
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  }, 180_000);
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    receiver.reset();
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  async function setUp() {
    const dir = await mkdtemp(join(tmpdir(), 'sb-resume-'));
    const journal = join(dir, 'journal.log');
    await writeFile(journal, 'ev-0- written before any agent ran\n');
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `
communications:
  default:
    webhook:
      enabled: true
      url: ${receiver.url}
      bindings: {sources: [journal]}
sources:
  journal:
    fx/fixture: {enabled: true, config: {journal: ${journal}, intervalMs: 50}}
settings:
  clusterName: resume
  healthPort: 0
  metricsPort: 0
  log: {level: info, formatter: json}
  delivery:
    groupWait: 0s
    retry: {initialBackoff: 50ms, maxBackoff: 200ms}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    fx: {url: "file://${repo}/index.yaml"}
  incomingWebhook: {enabled: true, port: ${await freePort()}}
`,
    );
    const stateDir = join(dir, 'state');
    const append = (...numbers: number[]) =>
      appendFile(journal, numbers.map((n) => `ev-${n}- line\n`).join(''));
    const start = async () => {
      const run = await startCliAgent(config, stateDir, children);
      // Logged once the fixture has read where to start: lines appended after it are seen.
      await waitFor(() => /"msg":"tailing"/.test(run.output()), 60_000, 'the journal stream to open');
      return run;
    };
    return { config, stateDir, append, start };
  }

  it('delivers the lines written while the agent was stopped (SIGTERM) after it restarts, each once', async () => {
    const { config, stateDir, append, start } = await setUp();
    const first = await start();
    await append(1, 2);
    await waitFor(() => receiver.unique().size >= 2, 30_000, 'lines 1 and 2');
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');
    const stored = JSON.parse(await readFile(sourceCursorsFile(stateDir, [config]), 'utf8'));
    expect(Object.values(stored.cursors)).toEqual(['3']);

    await append(3, 4);
    const second = await start();
    expect(second.output()).toMatch(/"msg":"tailing".*"from":3,"resumed":true|"from":3.*"msg":"tailing"/);
    await waitFor(() => receiver.unique().size >= 4, 30_000, 'the gap: lines 3 and 4');
    await append(5);
    await waitFor(() => receiver.unique().size >= 5, 30_000, 'line 5, live');
    await new Promise((r) => setTimeout(r, 500));
    // Line 0 predates the first stream, which started fresh (at the end of the file).
    expect(receiver.arrivals).toEqual([1, 2, 3, 4, 5]);
  }, 180_000);

  it('after a kill -9, resumes from the cursor written behind: the gap is delivered, nothing lost', async () => {
    const { append, start } = await setUp();
    const first = await start();
    await append(1, 2, 3);
    await waitFor(() => receiver.unique().size >= 3, 30_000, 'lines 1-3');
    // Cursors are written at most once a second; wait past that, then kill without a flush.
    await new Promise((r) => setTimeout(r, 1500));
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    await append(4, 5);
    await start();
    await waitFor(() => receiver.unique().size >= 5, 30_000, 'the gap: lines 4 and 5');
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.arrivals).toEqual([1, 2, 3, 4, 5]);
  }, 180_000);
});
