/**
 * Discord's message limits (discord.com/developers/docs: message, embed and component reference)
 * and a zod check of a rendered payload against them. The renderer stays inside these numbers;
 * `checkDiscordPayload` proves it before anything is sent (a failure is a renderer bug, never sent).
 */
import { z } from 'zod';
import type { PlatformCapabilities } from '../../platforms/descriptor.js';

/**
 * What the Discord bot can do. 2,000 characters of `content` is the bot limit (the API description
 * says 4,000, which only Nitro users get); Botkube uploaded a file from 2,000 on, as the bridge does.
 */
export const discordCapabilities: PlatformCapabilities = Object.freeze({
  edit: true,
  files: true,
  threads: true,
  interactive: true,
  maxMessageLength: 2000,
  lengthUnit: 'utf16',
});

export const discordLimits = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFooter: 2048,
  embedTotal: 6000,
  rows: 5,
  buttonsPerRow: 5,
  customId: 100,
  buttonLabel: 80,
  buttonUrl: 512,
  selectOptions: 25,
  optionLabel: 100,
  optionValue: 100,
  optionDescription: 100,
  placeholder: 150,
  /** Discord's request size limit for uploads (25 MiB). */
  fileBytes: 25 * 1024 * 1024,
} as const;

const L = discordLimits;

const Button = z.union([
  z.strictObject({
    type: z.literal(2),
    style: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
    label: z.string().min(1).max(L.buttonLabel),
    custom_id: z.string().min(1).max(L.customId),
  }),
  z.strictObject({
    type: z.literal(2),
    style: z.literal(5),
    label: z.string().min(1).max(L.buttonLabel),
    url: z.string().min(1).max(L.buttonUrl),
  }),
]);

const StringSelect = z.strictObject({
  type: z.literal(3),
  custom_id: z.string().min(1).max(L.customId),
  placeholder: z.string().max(L.placeholder).optional(),
  min_values: z.number().int().min(0).max(L.selectOptions).optional(),
  max_values: z.number().int().min(1).max(L.selectOptions).optional(),
  options: z
    .array(
      z.strictObject({
        label: z.string().min(1).max(L.optionLabel),
        value: z.string().min(1).max(L.optionValue),
        description: z.string().max(L.optionDescription).optional(),
        default: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(L.selectOptions),
});

const ActionRow = z.strictObject({
  type: z.literal(1),
  components: z.union([z.array(Button).min(1).max(L.buttonsPerRow), z.array(StringSelect).length(1)]),
});

const Embed = z.strictObject({
  title: z.string().max(L.embedTitle).optional(),
  description: z.string().max(L.embedDescription).optional(),
  color: z.number().int().min(0).max(0xffffff).optional(),
  timestamp: z.string().optional(),
  footer: z.strictObject({ text: z.string().max(L.embedFooter) }).optional(),
});

/** A message as the bot posts it (JSON body of `POST /channels/{id}/messages` and the edits). */
export const DiscordPayload = z.strictObject({
  content: z.string().max(L.content),
  embeds: z
    .array(Embed)
    .max(L.embeds)
    .refine(
      (embeds) =>
        embeds.reduce(
          (sum, e) =>
            sum + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0),
          0,
        ) <= L.embedTotal,
      { message: `embeds hold more than ${L.embedTotal} characters in all` },
    ),
  components: z.array(ActionRow).max(L.rows),
});
export type DiscordPayload = z.infer<typeof DiscordPayload>;
export type DiscordEmbed = z.infer<typeof Embed>;
export type DiscordActionRow = z.infer<typeof ActionRow>;
export type DiscordButton = z.infer<typeof Button>;
export type DiscordSelect = z.infer<typeof StringSelect>;

/** The first limit `payload` breaks (an empty message counts, unless a file goes with it), as `path: problem`; undefined when it is within all of them. */
export function checkDiscordPayload(payload: DiscordPayload, withFile = false): string | undefined {
  const result = DiscordPayload.safeParse(payload);
  if (result.success) {
    if (!withFile && !payload.content && payload.embeds.length === 0 && payload.components.length === 0)
      return 'the message is empty';
    return undefined;
  }
  const issue = result.error.issues[0];
  return issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid';
}
