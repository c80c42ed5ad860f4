import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type PluginCommandOptions,
  type Replier,
  runPluginCommand,
} from '../../src/bridge/executor/run-plugin-command.js';
import type { Message } from '../../src/contract/message.js';
import { filterMessageOutput } from '../../src/core/output-filter.js';
import type { DestinationCapabilities, PostedRef } from '../../src/delivery/destination.js';
import { createExecutorClient, type ExecuteCall } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
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

/** A Go plugin (no switchboard.v1 service): its answers come through the unary Execute fallback. */
let goecho: PluginInstance | undefined;
async function goInstance(): Promise<PluginInstance> {
  const go = inject('goFixtures');
  if ('error' in go) throw new Error(go.error);
  goecho ??= await launchPlugin({
    name: 'test/goecho',
    binary: join(go.dir, 'executor_goecho'),
    logger: createTestLogger().logger,
  });
  return goecho;
}
afterAll(() => goecho?.stop());

interface Recorded {
  at: number;
  op: 'post' | 'edit';
  body: string;
  context: string;
  /** Every context line, in order (the header, then a note when there is one). */
  contexts: string[];
  file?: string;
  fileName?: string;
  /** For an edit: the message it changed. */
  ref?: string;
  /** Handed over as output still coming (more edits follow). */
  streaming?: boolean;
}

function recorder(): Replier & { log: Recorded[] } {
  const log: Recorded[] = [];
  let n = 0;
  const record = (
    op: 'post' | 'edit',
    m: Message,
    file?: { name: string; content: Uint8Array },
    ref?: PostedRef,
    streaming?: boolean,
  ) =>
    log.push({
      at: Date.now(),
      op,
      body: m.baseBody.codeBlock ?? m.baseBody.plaintext ?? '',
      context: m.sections?.at(-1)?.context?.[0]?.text ?? '',
      contexts: (m.sections ?? []).flatMap((s) => (s.context ?? []).map((c) => c.text)),
      ...(file ? { file: Buffer.from(file.content).toString(), fileName: file.name } : {}),
      ...(ref ? { ref: ref.messageId } : {}),
      ...(streaming ? { streaming } : {}),
    });
  return {
    log,
    async post(m, file, options): Promise<PostedRef> {
      record('post', m, file, undefined, options?.streaming);
      n += 1;
      return { channelId: 'C1', messageId: String(n) };
    },
    async edit(ref, m, options) {
      record('edit', m, undefined, ref, options?.streaming);
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
  more: Partial<Omit<PluginCommandOptions, 'plugin'>> & { on?: PluginInstance } = {},
) {
  const replier = recorder();
  const { on = instance, ...rest } = more;
  const result = await runPluginCommand({
    plugin: 'fixture',
    client: createExecutorClient(instanceHandle(on)),
    call: call(command),
    header: `\`${command}\` on test`,
    deadlineMs,
    capabilities: caps(over),
    replier,
    editIntervalMs: 300,
    ...(original ? { original } : {}),
    ...rest,
    log: rest.log ?? createTestLogger('silent').logger,
  });
  return { result, log: replier.log };
}

const bodies = (log: Recorded[]) => log.map((r) => r.body);

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
    expect(log[0]?.streaming).toBeUndefined();
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
    // Every version but the last says more is coming; the last completes the message.
    expect(log.slice(0, -1).every((r) => r.streaming === true)).toBe(true);
    expect(log.at(-1)?.streaming).toBeUndefined();
  });

  it('gives platforms that cannot edit only the final answer', async () => {
    const { log } = await run('fixture stream 5 20', { edit: false });
    expect(log).toHaveLength(1);
    expect(log[0]?.streaming).toBeUndefined();
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

  it('posts extra messages after the answer, in order, each as a new message', async () => {
    const { result, log } = await run('fixture many 3');
    expect(result).toBe('ok');
    expect(log.map((r) => [r.op, r.body])).toEqual([
      ['post', 'answer'],
      ['post', 'extra 1'],
      ['post', 'extra 2'],
      ['post', 'extra 3'],
    ]);
    // The header says once what the messages answer; extras come as the plugin wrote them.
    expect(log.map((r) => r.contexts)).toEqual([['`fixture many 3` on test'], [], [], []]);
    // Extras are posted even where the answer replaces the message whose button was used.
    const original = { channelId: 'C1', messageId: 'builder-1' };
    const replaced = await run('fixture messages', {}, 10_000, original);
    expect(replaced.log.map((r) => [r.op, r.body])).toEqual([
      ['post', 'first'],
      ['post', 'second'],
    ]);
  });

  it('posts at most 15 messages per answer and says on the last one how many were left out', async () => {
    const exact = await run('fixture many 14');
    expect(bodies(exact.log)).toEqual(['answer', ...Array.from({ length: 14 }, (_, i) => `extra ${i + 1}`)]);
    expect(exact.log.at(-1)?.contexts).toEqual([]);

    const over = await run('fixture many 20');
    expect(over.result).toBe('ok');
    expect(bodies(over.log)).toEqual(bodies(exact.log));
    expect(over.log.at(-1)?.contexts).toEqual([
      '6 more messages were not posted: one answer posts at most 15.',
    ]);
    expect(over.log.slice(1, -1).every((r) => r.contexts.length === 0)).toBe(true);

    const one = await run('fixture many 15');
    expect(one.log).toHaveLength(15);
    expect(one.log.at(-1)?.context).toBe('1 more message was not posted: one answer posts at most 15.');
  });

  it('follows Botkube on skipMessage: a skipped answer posts only its extras, skipped extras are not posted', async () => {
    const skippedAnswer = await run('fixture extras skip one two');
    expect(skippedAnswer.log.map((r) => [r.op, r.body, r.contexts])).toEqual([
      ['post', 'one', ['`fixture extras skip one two` on test']],
      ['post', 'two', []],
    ]);
    const skippedExtras = await run('fixture extras answer skip three skip');
    expect(bodies(skippedExtras.log)).toEqual(['answer', 'three']);
    // Nothing at all to show: nothing is sent.
    for (const command of ['fixture extras skip skip skip', 'fixture extras skip']) {
      const silent = await run(command);
      expect(silent.result).toBe('ok');
      expect(silent.log).toEqual([]);
    }
    // Without the answer, 15 extras fit; skipped extras do not count.
    const words = Array.from({ length: 17 }, (_, i) => `e${i + 1}`);
    const capped = await run(`fixture extras skip skip ${words.join(' ')}`);
    expect(bodies(capped.log)).toEqual(words.slice(0, 15));
    expect(capped.log[0]?.contexts[0]).toMatch(/^`fixture extras skip skip e1 /);
    expect(capped.log.at(-1)?.context).toBe('2 more messages were not posted: one answer posts at most 15.');
  });

  it('applies --filter to the extras as to the answer', async () => {
    const { log } = await run(
      'fixture extras pods|web:error|db:ok web:ok|web:error db:ok|db:error',
      {},
      10_000,
      undefined,
      {
        transform: (m) => filterMessageOutput(m, 'error').message,
      },
    );
    expect(bodies(log)).toEqual(['web:error', 'web:error', 'db:error']);
  });

  it('attaches an extra that is too long as its own file', async () => {
    const { log } = await run('fixture extras big:20000 short big:30000', { maxMessageLength: 2000 });
    expect(log.map((r) => [r.op, r.fileName, r.file?.length])).toEqual([
      ['post', 'output.txt', 20000],
      ['post', undefined, undefined],
      ['post', 'output-2.txt', 30000],
    ]);
    expect(log[2]?.body).toMatch(/^… \d+ earlier characters not shown; full output attached …\n/);
    // Where files cannot be sent, the end is shown and nothing is attached.
    const noFiles = await run('fixture extras a big:30000', { maxMessageLength: 2000, files: false });
    expect(noFiles.log[1]).toMatchObject({ op: 'post', body: expect.stringMatching(/^… \d+ earlier/) });
    expect(noFiles.log[1]?.file).toBeUndefined();
  });

  it('delivers the extras of a Go plugin answered through the unary Execute fallback', async () => {
    const plugin = await goInstance();
    const { result, log } = await run('goecho many 16', {}, 10_000, undefined, { on: plugin });
    expect(result).toBe('ok');
    expect(bodies(log)).toEqual(['answer', ...Array.from({ length: 14 }, (_, i) => `extra ${i + 1}`)]);
    expect(log.at(-1)?.context).toBe('2 more messages were not posted: one answer posts at most 15.');
  });

  it('leaves out an extra that is not a JSON message, says so, and counts the command as failed', async () => {
    const plugin = await goInstance();
    const { result, log } = await run('goecho badextra', {}, 10_000, undefined, { on: plugin });
    expect(result).toBe('error');
    expect(bodies(log)).toEqual(['answer', 'extra 2']);
    expect(log.at(-1)?.context).toBe(
      '1 message from the plugin could not be read (not a JSON api.Message) and was not posted.',
    );
    // With nothing else to post (a skipMessage answer), the note is posted on its own.
    const alone = await run('goecho badextra only', {}, 10_000, undefined, { on: plugin });
    expect(alone.result).toBe('error');
    expect(alone.log.map((r) => [r.op, r.body, r.contexts])).toEqual([
      [
        'post',
        '1 message from the plugin could not be read (not a JSON api.Message) and was not posted.',
        ['`goecho badextra only` on test'],
      ],
    ]);
  });
});
