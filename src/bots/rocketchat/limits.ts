/**
 * Rocket.Chat's message limits and a zod check of a rendered payload against them. The server
 * refuses a `msg` or an attachment `text` longer than `Message_MaxAllowedSize` (default 5,000)
 * with `error-message-size-exceeded`; the renderer stays inside, and `checkRocketPayload` proves
 * it before anything is sent (a failure is a renderer bug, reported, never sent).
 */
import { z } from 'zod';
import type { PlatformCapabilities } from '../../platforms/descriptor.js';

/** What the Rocket.Chat bot can do; longer answers are cut by the bridge and attached as a file. */
export const rocketChatCapabilities: PlatformCapabilities = Object.freeze({
  edit: true,
  files: true,
  threads: true,
  interactive: true,
  maxMessageLength: 5000,
  lengthUnit: 'utf16',
});

export const rocketChatLimits = {
  /** `Message_MaxAllowedSize`'s default, for `msg` and for each attachment's `text`. */
  messageText: 5000,
  /** Attachments per message the renderer produces; the server has no documented cap. */
  attachments: 20,
  /** Buttons in one attachment; more are hard to use in Rocket.Chat's clients. */
  actions: 25,
  title: 500,
  fields: 25,
} as const;

const action = z.strictObject({
  type: z.literal('button'),
  text: z.string().min(1).max(rocketChatLimits.title),
  msg: z.string().min(1).max(rocketChatLimits.messageText).optional(),
  url: z.string().min(1).optional(),
  msg_in_chat_window: z.boolean().optional(),
  msg_processing_type: z.literal('sendMessage').optional(),
});

const attachment = z.strictObject({
  title: z.string().min(1).max(rocketChatLimits.title).optional(),
  text: z.string().max(rocketChatLimits.messageText).optional(),
  color: z
    .string()
    .regex(/^#[0-9a-f]{6}$/i)
    .optional(),
  fields: z
    .array(
      z.strictObject({
        short: z.boolean(),
        title: z.string().min(1).max(rocketChatLimits.title),
        value: z.string().max(rocketChatLimits.messageText),
      }),
    )
    .max(rocketChatLimits.fields)
    .optional(),
  button_alignment: z.enum(['horizontal', 'vertical']).optional(),
  actions: z.array(action).min(1).max(rocketChatLimits.actions).optional(),
});

/** One Rocket.Chat message as the renderer produces it. */
export const RocketPayload = z
  .strictObject({
    msg: z.string().max(rocketChatLimits.messageText),
    attachments: z.array(attachment).max(rocketChatLimits.attachments).optional(),
  })
  .refine((p) => p.msg !== '' || (p.attachments?.length ?? 0) > 0, 'a message needs text or attachments');
export type RocketPayload = z.infer<typeof RocketPayload>;
export type RocketAttachment = z.infer<typeof attachment>;
export type RocketAction = z.infer<typeof action>;

/** The first problems of `payload` against the limits, with their JSON paths; undefined when it fits. */
export function checkRocketPayload(payload: unknown): string | undefined {
  const result = RocketPayload.safeParse(payload);
  if (result.success) return undefined;
  return result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
    .join('; ');
}
