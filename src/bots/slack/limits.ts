/**
 * Slack's Block Kit and message limits, and a zod check of a rendered payload against them.
 * The renderer is written to stay inside these numbers; `checkSlackPayload` proves it for
 * every message before it is sent (a failure is a renderer bug, reported, never sent).
 * Numbers from docs.slack.dev (Block Kit reference), see docs/slack.md.
 */
import { z } from 'zod';
import type { PlatformCapabilities } from '../../platforms/descriptor.js';

/**
 * What the Slack bot can do. Longer answers are cut by the command bridge and attached whole as a
 * file: Botkube switched to an upload past 3,000 characters, as Slack's section text limit is.
 */
export const slackCapabilities: PlatformCapabilities = Object.freeze({
  edit: true,
  files: true,
  threads: true,
  interactive: true,
  maxMessageLength: 3000,
  lengthUnit: 'utf16',
  // Sections are posted in up to three messages of at most 12,000 characters of block text
  // (see deliver.ts); this leaves room for the markup rendering adds.
  maxTotalLength: 24_000,
});

export const slackLimits = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  optionText: 75,
  optionValue: 150,
  options: 100,
  optionGroups: 100,
  placeholder: 150,
  inputLabel: 2000,
  /** Slack truncates `text` beyond 40,000 characters; fallbacks stay far below. */
  messageText: 40_000,
  /**
   * Block text per message. Slack answers `msg_blocks_too_long` at an undocumented total near
   * 13,000 characters (slackapi/bolt-js#2509); parts are packed below this.
   */
  blockTextPerMessage: 12_000,
  /** A modal view: blocks, title / submit / close label length, private_metadata, callback_id. */
  modalBlocks: 100,
  modalTitle: 24,
  privateMetadata: 3000,
  callbackId: 255,
} as const;

const plainText = (max: number) =>
  z.strictObject({
    type: z.literal('plain_text'),
    text: z.string().min(1).max(max),
    emoji: z.boolean().optional(),
  });
const mrkdwn = (max: number) =>
  z.strictObject({ type: z.literal('mrkdwn'), text: z.string().min(1).max(max) });
const actionId = z.string().min(1).max(slackLimits.actionId);

const option = z.strictObject({
  text: plainText(slackLimits.optionText),
  value: z.string().min(1).max(slackLimits.optionValue),
});

const button = z.strictObject({
  type: z.literal('button'),
  text: plainText(slackLimits.buttonText),
  action_id: actionId,
  value: z.string().min(1).max(slackLimits.buttonValue).optional(),
  url: z.string().min(1).max(slackLimits.buttonUrl).optional(),
  style: z.enum(['primary', 'danger']).optional(),
});

const staticSelect = z.strictObject({
  type: z.literal('static_select'),
  action_id: actionId,
  placeholder: plainText(slackLimits.placeholder),
  options: z.array(option).min(1).max(slackLimits.options).optional(),
  option_groups: z
    .array(
      z.strictObject({
        label: plainText(slackLimits.optionText),
        options: z.array(option).min(1).max(slackLimits.options),
      }),
    )
    .min(1)
    .max(slackLimits.optionGroups)
    .optional(),
  initial_option: option.optional(),
});

const multiSelect = z.strictObject({
  type: z.literal('multi_static_select'),
  action_id: actionId,
  placeholder: plainText(slackLimits.placeholder),
  options: z.array(option).min(1).max(slackLimits.options),
  initial_options: z.array(option).min(1).max(slackLimits.options).optional(),
});

const plainTextInput = z.strictObject({
  type: z.literal('plain_text_input'),
  action_id: actionId,
  placeholder: plainText(slackLimits.placeholder).optional(),
  dispatch_action_config: z
    .strictObject({ trigger_actions_on: z.array(z.enum(['on_enter_pressed', 'on_character_entered'])) })
    .optional(),
});

/** What every input block has, in a message and in a modal. */
const inputBlockBase = {
  type: z.literal('input'),
  block_id: z.string().min(1).max(slackLimits.blockId),
  label: plainText(slackLimits.inputLabel),
};

const section = z
  .strictObject({
    type: z.literal('section'),
    text: mrkdwn(slackLimits.sectionText).optional(),
    fields: z.array(mrkdwn(slackLimits.fieldText)).min(1).max(slackLimits.sectionFields).optional(),
    accessory: z.union([button, multiSelect]).optional(),
  })
  .refine((s) => s.text !== undefined || s.fields !== undefined, 'a section needs text or fields');

const block = z.union([
  section,
  z.strictObject({ type: z.literal('header'), text: plainText(slackLimits.headerText) }),
  z.strictObject({ type: z.literal('divider') }),
  z.strictObject({
    type: z.literal('context'),
    elements: z.array(mrkdwn(slackLimits.sectionText)).min(1).max(slackLimits.contextElements),
  }),
  z.strictObject({
    type: z.literal('actions'),
    block_id: z.string().min(1).max(slackLimits.blockId).optional(),
    elements: z
      .array(z.union([button, staticSelect]))
      .min(1)
      .max(slackLimits.actionsElements),
  }),
  z.strictObject({ ...inputBlockBase, dispatch_action: z.boolean().optional(), element: plainTextInput }),
]);

/** In a modal, selects sit in input blocks too (their values come with the submitted form). */
const modalBlock = z.union([
  block,
  z.strictObject({
    ...inputBlockBase,
    optional: z.boolean().optional(),
    element: z.union([plainTextInput, staticSelect, multiSelect]),
  }),
]);

/** A modal view as the renderer produces it for `views.open`. */
export const SlackModalView = z
  .strictObject({
    type: z.literal('modal'),
    callback_id: z.string().min(1).max(slackLimits.callbackId),
    title: plainText(slackLimits.modalTitle),
    submit: plainText(slackLimits.modalTitle),
    close: plainText(slackLimits.modalTitle),
    blocks: z.array(modalBlock).min(1).max(slackLimits.modalBlocks),
    private_metadata: z.string().max(slackLimits.privateMetadata),
  })
  .refine((v) => uniqueActionIds(v.blocks), { message: 'action_id values are not unique' });

/** Checks a modal view as {@link checkSlackPayload} checks a message. */
export function checkSlackModal(view: unknown): string | undefined {
  return problems(SlackModalView.safeParse(view), '(view)');
}

/** One Slack message as the renderer produces it: the fallback `text` and the blocks. */
export const SlackPayload = z
  .strictObject({
    text: z.string().min(1).max(slackLimits.messageText),
    blocks: z.array(block).max(slackLimits.blocksPerMessage),
  })
  .refine((p) => blockTextLength(p.blocks) <= slackLimits.blockTextPerMessage, {
    message: `more than ${slackLimits.blockTextPerMessage} characters of block text`,
  })
  .refine((p) => uniqueActionIds(p.blocks), { message: 'action_id values are not unique' });

/**
 * Checks a payload against Slack's limits. Returns the first problems as text (with the JSON
 * path), or undefined when it fits.
 */
export function checkSlackPayload(payload: unknown): string | undefined {
  return problems(SlackPayload.safeParse(payload), '(message)');
}

/** The first problems of a failed check as text, each with its JSON path (`root` for the whole). */
function problems(result: z.ZodSafeParseResult<unknown>, root: string): string | undefined {
  if (result.success) return undefined;
  return result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || root}: ${i.message}`)
    .join('; ');
}

/**
 * Characters of every `text` string in `value` (section text, fields, headers, context, labels,
 * button and option texts…): what Slack's undocumented per-message total counts, measured the
 * conservative way.
 */
export function blockTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + blockTextLength(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  let total = 0;
  for (const [key, item] of Object.entries(value)) {
    total += key === 'text' && typeof item === 'string' ? item.length : blockTextLength(item);
  }
  return total;
}

function uniqueActionIds(blocks: readonly unknown[]): boolean {
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const raw of blocks) {
    const b = raw as {
      accessory?: { action_id?: string };
      elements?: { action_id?: string }[];
      element?: { action_id?: string };
    };
    for (const e of [b.accessory, b.element, ...(b.elements ?? [])]) if (e?.action_id) ids.push(e.action_id);
  }
  for (const id of ids) {
    if (seen.has(id)) return false;
    seen.add(id);
  }
  return true;
}
