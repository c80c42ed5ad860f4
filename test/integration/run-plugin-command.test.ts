import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Replier, runPluginCommand } from '../../src/bridge/executor/run-plugin-command.js';
import type { DestinationCapabilities, PostedRef } from '../../src/delivery/destination.js';
import { createExecutorClient, type ExecuteCall } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import type { Message } from '../../src/sdk/api/message.js';
import { createTestLogger } from '../support/test-logger.js';

let instance: PluginInstance;
beforeAll(async () => {
  instance = await launchPlugin({
    name: 'test/fixture',
    binary: inject('tsFixtures')['executor-fixture'] as string,
    logger: createTestLogger().logger,
    autoMtls: false,
  });
});
afterAll(() => instance.stop());

interface Recorded {
  at: number;
  op: 'post' | 'edit';
  body: string;
  context: string;
  file?: string;
  /** For an edit: the message it changed. */
  ref?: string;
}

function recorder(): Replier & { log: Recorded[] } {
  const log: Recorded[] = [];
  let n = 0;
  const record = (op: 'post' | 'edit', m: Message, file?: { content: Uint8Array }, ref?: PostedRef) =>
    log.push({
      at: Date.now(),
      op,
      body: m.baseBody.codeBlock ?? m.baseBody.plaintext ?? '',
      context: m.sections?.at(-1)?.context?.[0]?.text ?? '',
      ...(file ? { file: Buffer.from(file.content).toString() } : {}),
      ...(ref ? { ref: ref.messageId } : {}),
    });
  return {
    log,
    async post(m, file): Promise<PostedRef> {
      record('post', m, file);
      n += 1;
      return { channelId: 'C1', messageId: String(n) };
    },
    async edit(ref, m) {
      record('edit', m, undefined, ref);
    },
  };
}

const caps = (over: Partial<DestinationCapabilities> = {}): DestinationCapabilities => ({
  edit: true,
  files: true,
  threads: true,
  interactive: true,
  maxMessageLength: 3000,
  ...over,
});
const call = (command: string): ExecuteCall => ({
  command,
  configs: [],
  context: { interactive: true, incomingWebhookBaseUrl: '' },
});

async function run(
  command: string,
  over: Partial<DestinationCapabilities> = {},
  deadlineMs = 10_000,
  original?: PostedRef,
) {
  const replier = recorder();
  const result = await runPluginCommand({
    plugin: 'fixture',
    client: createExecutorClient(instanceHandle(instance)),
    call: call(command),
    header: `\`${command}\` on test`,
    deadlineMs,
    capabilities: caps(over),
    replier,
    editIntervalMs: 300,
    ...(original ? { original } : {}),
  });
  return { result, log: replier.log };
}

describe('runPluginCommand', () => {
  it('replaces the message whose button was used when the answer asks to, where the platform edits', async () => {
    const original = { channelId: 'C1', messageId: 'builder-1' };
    const replaced = await run('fixture replace 2', {}, 10_000, original);
    expect(replaced.log).toMatchObject([{ op: 'edit', ref: 'builder-1', body: 'step 2' }]);
    // Typed (no original), or on a platform that cannot edit: a new message.
    expect((await run('fixture replace 2')).log).toMatchObject([{ op: 'post', body: 'step 2' }]);
    const noEdit = await run('fixture replace 3', { edit: false }, 10_000, original);
    expect(noEdit.log).toMatchObject([{ op: 'post', body: 'step 3' }]);
    // An answer that does not ask to replace is posted even when there is an original.
    expect((await run('fixture echo hi', {}, 10_000, original)).log).toMatchObject([{ op: 'post' }]);
  });

  it('posts a plain answer once, with the header as context', async () => {
    const { result, log } = await run('fixture echo hi');
    expect(result).toBe('ok');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ op: 'post', body: 'hi', context: '`fixture echo hi` on test' });
  });

  it('shows streaming output live, editing one message at most once per interval', async () => {
    const { log } = await run('fixture stream 12 100');
    expect(log[0]?.op).toBe('post');
    expect(log.slice(1).every((r) => r.op === 'edit')).toBe(true);
    expect(log.at(-1)?.body).toBe(Array.from({ length: 12 }, (_, i) => `line ${i + 1}\n`).join(''));
    // ~1.2 s of output with a 300 ms interval: a few edits, not one per line.
    expect(log.length).toBeGreaterThan(2);
    expect(log.length).toBeLessThan(9);
    const gaps = log.slice(1, -1).map((r, i) => r.at - (log[i] as Recorded).at);
    expect(gaps.every((g) => g >= 250)).toBe(true);
  });

  it('gives platforms that cannot edit only the final answer', async () => {
    const { log } = await run('fixture stream 5 20', { edit: false });
    expect(log).toHaveLength(1);
    expect(log[0]?.body).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
  });

  it('attaches output that is too long as a file and shows the end inline', async () => {
    const { log } = await run('fixture big 20000', { maxMessageLength: 2000 });
    const last = log.at(-1) as Recorded;
    expect(last.file).toHaveLength(20000);
    expect(last.body.length).toBeLessThanOrEqual(1600);
    expect(last.body).toMatch(/^… \d+ earlier characters not shown; full output attached …\n/);
  });

  it('replies with what happened when the deadline passes or the plugin fails', async () => {
    const timeout = await run('fixture sleep 5000', {}, 300);
    expect(timeout.result).toBe('timeout');
    expect(timeout.log.at(-1)?.body).toMatch(/did not finish within 300 ms and was cancelled/);
    const failed = await run('fixture fail disk is full');
    expect(failed.result).toBe('error');
    expect(failed.log.at(-1)?.body).toBe('fixture failure: disk is full');
  });
});
