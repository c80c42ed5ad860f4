/**
 * What one console message may hold. The renderer cuts to these limits; the zod schema checks
 * its output, so a renderer bug cannot send an unbounded message to every browser.
 */
import { z } from 'zod';
import { maxCommandLength } from '../../core/console-protocol.js';
import type { PlatformCapabilities } from '../../platforms/descriptor.js';

export const consoleLimits = {
  /** Readable characters per message (`messageTextLength`); longer text is cut and attached. */
  maxMessageLength: 20_000,
  sections: 50,
  buttonsPerSection: 25,
  selectsPerSection: 5,
  optionsPerSelect: 100,
  textFields: 50,
  bulletLists: 20,
  bulletItems: 200,
  contextItems: 20,
  inputs: 10,
  /** Names, labels, option names. */
  label: 300,
  url: 2048,
  command: maxCommandLength,
} as const;

/** What the console can do: edits (streaming), downloads of long output, buttons and selects. */
export const consoleCapabilities: PlatformCapabilities = Object.freeze({
  edit: true,
  files: true,
  threads: false,
  interactive: true,
  maxMessageLength: consoleLimits.maxMessageLength,
  lengthUnit: 'utf16',
});

const L = consoleLimits;
const label = z.string().max(L.label);
const command = z.string().max(L.command);
const body = z.strictObject({ plaintext: z.string().optional(), codeBlock: z.string().optional() });
const option = z.strictObject({ name: label, value: command });
const input = z.strictObject({
  command: command.optional(),
  text: label.optional(),
  placeholder: label.optional(),
  dispatchedAction: z.enum(['', 'on_enter_pressed', 'on_character_entered']).optional(),
});

const section = z.strictObject({
  header: z
    .string()
    .max(L.label * 2)
    .optional(),
  description: z.string().optional(),
  body: body.optional(),
  style: z.strictObject({ divider: z.enum(['', 'none']).optional() }).optional(),
  buttons: z
    .array(
      z.strictObject({
        name: label,
        command: command.optional(),
        url: z
          .string()
          .max(L.url)
          .regex(/^https?:\/\//i)
          .optional(),
        description: z
          .string()
          .max(L.label * 2)
          .optional(),
        descriptionStyle: z.enum(['', 'bold', 'italic', 'text', 'code']).optional(),
        style: z.enum(['', 'primary', 'danger']).optional(),
      }),
    )
    .max(L.buttonsPerSection)
    .optional(),
  selects: z
    .strictObject({
      id: label.optional(),
      items: z
        .array(
          z
            .strictObject({
              type: z.enum(['static', 'external']).optional(),
              name: label.optional(),
              command: command.optional(),
              optionGroups: z.array(z.strictObject({ name: label, options: z.array(option) })).optional(),
              initialOption: option.optional(),
            })
            .refine((s) => optionCount(s.optionGroups ?? []) <= L.optionsPerSelect, {
              error: `a select has at most ${L.optionsPerSelect} options`,
            }),
        )
        .max(L.selectsPerSection),
    })
    .optional(),
  multiSelect: z
    .strictObject({
      name: label.optional(),
      description: body.optional(),
      command: command.optional(),
      options: z.array(option).max(L.optionsPerSelect).optional(),
      initialOptions: z.array(option).max(L.optionsPerSelect).optional(),
    })
    .optional(),
  plaintextInputs: z.array(input).max(L.inputs).optional(),
  textFields: z
    .array(z.strictObject({ key: label, value: z.string() }))
    .max(L.textFields)
    .optional(),
  bulletLists: z
    .array(z.strictObject({ title: label.optional(), items: z.array(z.string()).max(L.bulletItems) }))
    .max(L.bulletLists)
    .optional(),
  context: z
    .array(z.strictObject({ text: z.string().max(L.label * 2) }))
    .max(L.contextItems)
    .optional(),
});

/** The shape and bounds of a rendered {@link ViewMessage}. */
export const ViewMessageShape = z.strictObject({
  baseBody: body,
  timestamp: z.iso.datetime({ offset: true }).optional(),
  sections: z.array(section).max(L.sections).optional(),
  plaintextInputs: z.array(input).max(L.inputs).optional(),
});

/** The options of a select's groups, which count together against `optionsPerSelect`. */
function optionCount(groups: readonly { options: readonly unknown[] }[]): number {
  return groups.reduce((n, g) => n + g.options.length, 0);
}
