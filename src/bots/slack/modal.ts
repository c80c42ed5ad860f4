/**
 * A `form` message as a Slack modal (Botkube's PopupMessage and `RenderModal`): the message is
 * rendered by the same Block Kit renderer as in a channel, then shaped for a view. Its first
 * section header becomes the title, selects and text inputs become `input` blocks (their values
 * come with the submitted form, see interaction.ts), and `private_metadata` says where the
 * resulting commands run. Pure: no I/O, no clock.
 */
import { botNamePlaceholder, type Message } from '../../contract/message.js';
import { type InputBlock, type PlainText, plain, type SlackBlock } from './blocks.js';
import { checkSlackModal, slackLimits as L } from './limits.js';
import { clip } from './mrkdwn.js';
import { renderSlackMessage, type SlackRenderContext } from './render.js';

/** Every form view's `callback_id` starts with this, so the bot's view handler gets only its own. */
export const formCallbackId = 'switchboard-form';

/** Where a submitted form's commands run: the conversation the form was asked for in. */
export interface FormTarget {
  /** Slack channel ID. */
  channel: string;
  /** Thread to answer in, when the form came from one. */
  thread?: string;
}

export interface SlackModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  blocks: SlackBlock[];
  private_metadata: string;
}

export type ModalRendering =
  | { ok: true; view: SlackModalView; refs: ReadonlyMap<string, string> }
  /** The message cannot be a modal (too many blocks, nothing to show); post it instead. */
  | { ok: false; problem: string };

/** Renders `message` as a modal view for views.open. */
export function renderSlackModal(
  message: Message,
  ctx: SlackRenderContext,
  target: FormTarget,
): ModalRendering {
  const rendering = renderSlackMessage(message, ctx);
  const rendered = rendering.parts.flatMap((p) => p.blocks);
  const header = message.sections
    ?.find((s) => s.header?.trim())
    ?.header?.replaceAll(botNamePlaceholder, ctx.botName)
    .replace(/\s+/g, ' ')
    .trim();
  const title = clip(header || ctx.botName, L.modalTitle);
  // The header moves into the title bar; kept in the body only when the title had to cut it.
  const titleBlock =
    header && title === header
      ? rendered.findIndex((b) => b.type === 'header' && b.text.text === header)
      : -1;
  const blocks = formBlocks(rendered.filter((_, i) => i !== titleBlock));
  if (blocks.length === 0) return { ok: false, problem: 'the form has nothing to show' };
  const metadata: FormTarget = {
    channel: target.channel,
    ...(target.thread ? { thread: target.thread } : {}),
  };
  const view: SlackModalView = {
    type: 'modal',
    callback_id: formCallbackId,
    title: plain(title),
    submit: plain('Submit'),
    close: plain('Cancel'),
    blocks,
    private_metadata: JSON.stringify(metadata),
  };
  const problem = checkSlackModal(view);
  return problem ? { ok: false, problem } : { ok: true, view, refs: rendering.refs };
}

/** Reads a submitted view's `private_metadata`; undefined when it is not ours or malformed. */
export function readFormTarget(metadata: string | undefined): FormTarget | undefined {
  if (!metadata) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata);
  } catch {
    return undefined;
  }
  const { channel, thread } = (parsed ?? {}) as { channel?: unknown; thread?: unknown };
  if (typeof channel !== 'string' || !/^[CGD][A-Z0-9]+$/.test(channel)) return undefined;
  if (thread !== undefined && (typeof thread !== 'string' || !/^\d+\.\d+$/.test(thread))) return undefined;
  return { channel, ...(thread ? { thread } : {}) };
}

/**
 * Message blocks as view blocks. Selects leave their actions rows for input blocks, because in a
 * modal only input blocks are part of the submitted form; buttons stay in actions rows. Inputs
 * lose `dispatch_action` (the form sends them) and, like selects, are optional: each one filled
 * in is one command, as in Botkube, so a person may run just the one they want.
 */
function formBlocks(blocks: readonly SlackBlock[]): SlackBlock[] {
  const out: SlackBlock[] = [];
  let n = 0;
  const selectInput = (element: InputBlock['element'] & { placeholder: PlainText }): InputBlock => {
    n += 1;
    return {
      type: 'input',
      block_id: `form-select-${n}`,
      label: plain(clip(element.placeholder.text, L.inputLabel)),
      optional: true,
      element,
    };
  };
  for (const block of blocks) {
    if (block.type === 'actions') {
      const buttons = block.elements.filter((e) => e.type === 'button');
      if (buttons.length > 0) out.push({ type: 'actions', elements: buttons });
      for (const e of block.elements) if (e.type === 'static_select') out.push(selectInput(e));
    } else if (block.type === 'section' && block.accessory?.type === 'multi_static_select') {
      const { accessory, ...section } = block;
      out.push(section, selectInput(accessory));
    } else if (block.type === 'input') {
      const { dispatch_action: _dispatch, ...input } = block;
      if (input.element.type === 'plain_text_input') {
        const { dispatch_action_config: _config, ...element } = input.element;
        out.push({ ...input, element, optional: true });
      } else out.push({ ...input, optional: true });
    } else out.push(block);
  }
  return out;
}
