import type { Address, DestinationCapabilities, PostedRef } from '../../delivery/destination.js';
import type { ExecuteCall, ExecutorClient } from '../../plugins/host/executor-client.js';
import { codeBlockMessage, type Message } from '../../sdk/api/message.js';
import { parseMessage } from '../../sdk/api/message-read.js';
import { failureReply } from './user-replies.js';

/** The one way the bridge posts: through the delivery pipeline, never to a bot directly. */
export interface Replier {
  post(message: Message, file?: { name: string; content: Uint8Array }): Promise<PostedRef | undefined>;
  edit(ref: PostedRef, message: Message): Promise<void>;
}

export interface PluginCommandOptions {
  plugin: string;
  client: ExecutorClient;
  call: ExecuteCall;
  /** Context line shown under the answer, e.g. "`kubectl get pods` on prod". */
  header: string;
  deadlineMs: number;
  capabilities: DestinationCapabilities;
  replier: Replier;
  /**
   * The message whose button or select gave the command. An answer marked `replaceOriginal`
   * (an interactive builder's next step) replaces it, on platforms that can edit.
   */
  original?: PostedRef;
  /** Applied to the final answer (the `--filter` flag); never re-runs the command. */
  transform?: (message: Message) => Message;
  /** Streaming edits happen at most this often. */
  editIntervalMs?: number;
  now?: () => number;
  signal?: AbortSignal;
}

export type CommandResult = 'ok' | 'error' | 'timeout' | 'unavailable';

/**
 * Runs one command on an executor plugin and delivers the answer: output that
 * streams is shown live by editing one message at most once per interval
 * (platforms that cannot edit get only the final answer); output longer than the
 * platform allows is cut and attached in full as a file; failures get a short
 * reply saying what happened and what to do. Never throws.
 */
export async function runPluginCommand(options: PluginCommandOptions): Promise<CommandResult> {
  const now = options.now ?? Date.now;
  const interval = options.editIntervalMs ?? 1000;
  const live = options.capabilities.edit;
  let text = '';
  let replaced: Message | undefined;
  let posted: PostedRef | undefined;
  // The first live post waits one interval too: quick commands then produce one message, not post + edit.
  let lastEdit = now();
  let pendingEdit: ReturnType<typeof setTimeout> | undefined;
  let editing: Promise<void> = Promise.resolve();

  const shape = (m: Message) => (options.transform ? options.transform(m) : m);
  const current = (): Message => withHeader(shape(replaced ?? codeBlockMessage(text)), options.header);
  const flush = () => {
    pendingEdit = undefined;
    lastEdit = now();
    const snapshot = fitToLimit(current(), options.capabilities.maxMessageLength).message;
    editing = editing.then(async () => {
      if (posted) await options.replier.edit(posted, snapshot);
      else posted = await options.replier.post(snapshot);
    });
  };
  const scheduleEdit = () => {
    if (!live || pendingEdit) return;
    const wait = Math.max(0, lastEdit + interval - now());
    pendingEdit = setTimeout(flush, wait);
  };

  let result: CommandResult = 'ok';
  let final: Message;
  try {
    for await (const chunk of options.client.executeStreaming(options.call, {
      deadlineMs: options.deadlineMs,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      if (chunk.kind === 'output') {
        text += chunk.text;
      } else {
        replaced = parseMessage(chunk.message);
        text = '';
      }
      scheduleEdit();
    }
    const answer = replaced ?? codeBlockMessage(text === '' ? '(no output)' : text);
    final = withHeader(shape(answer), options.header);
  } catch (err) {
    const code = (err as { code?: string }).code;
    result =
      code === 'SB_ERR_PLUGIN_DEADLINE'
        ? 'timeout'
        : code === 'SB_ERR_PLUGIN_UNAVAILABLE' || code === 'SB_ERR_PLUGIN_QUARANTINED'
          ? 'unavailable'
          : 'error';
    final = withHeader(
      failureReply(options.plugin, options.call.command, err, options.deadlineMs),
      options.header,
    );
  }
  if (pendingEdit) clearTimeout(pendingEdit);
  await editing;

  const { message, cut } = fitToLimit(final, options.capabilities.maxMessageLength);
  const file =
    cut && options.capabilities.files
      ? { name: 'output.txt', content: new TextEncoder().encode(fullText(final)) }
      : undefined;
  // A live message already shows this answer; it stays the one place the answer is.
  const original =
    final.replaceOriginal && options.capabilities.edit && !posted && !file ? options.original : undefined;
  if (original) await options.replier.edit(original, message);
  else if (posted && !file) await options.replier.edit(posted, message);
  else await options.replier.post(message, file);
  return result;
}

function withHeader(message: Message, header: string): Message {
  return { ...message, sections: [...(message.sections ?? []), { context: [{ text: header }] }] };
}

function fullText(message: Message): string {
  return message.baseBody.codeBlock ?? message.baseBody.plaintext ?? '';
}

/**
 * Cuts the body so the message fits the platform, keeping the end of the output
 * (the most recent lines matter most while a command runs).
 */
function fitToLimit(message: Message, maxLength: number): { message: Message; cut: boolean } {
  const body = message.baseBody.codeBlock ?? message.baseBody.plaintext;
  // Room for the header, fences and the "cut" note.
  const budget = Math.max(100, maxLength - 400);
  if (body === undefined || body.length <= budget) return { message, cut: false };
  const note = `… ${body.length - budget} earlier characters not shown; full output attached …\n`;
  const kept = note + body.slice(body.length - budget + note.length);
  const baseBody = message.baseBody.codeBlock !== undefined ? { codeBlock: kept } : { plaintext: kept };
  return { message: { ...message, baseBody }, cut: true };
}

/** Builds a replier over a send function (the delivery pipeline's entry). */
export function replierFor(
  address: Address,
  send: (outbound: {
    address: Address;
    message: Message;
    replaces?: PostedRef;
    file?: { name: string; content: Uint8Array };
  }) => Promise<PostedRef | undefined>,
): Replier {
  return {
    post: (message, file) => send({ address, message, ...(file ? { file } : {}) }),
    edit: async (ref, message) => {
      await send({ address, message, replaces: ref });
    },
  };
}
