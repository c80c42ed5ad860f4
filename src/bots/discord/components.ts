/**
 * The buttons and selects of a message as Discord action rows, within Discord's component limits:
 * at most 5 rows, 5 buttons or 1 select per row, 25 options per select, 80-character labels.
 * What does not fit is not dropped silently: it stays in the message text as the command to type
 * (see render.ts), and a note says how much was left out.
 */
import { type Button, botNamePlaceholder, type OptionItem, type Section } from '../../contract/message.js';
import type { ComponentIds } from './component-ids.js';
import {
  type DiscordActionRow,
  type DiscordButton,
  type DiscordSelect,
  discordLimits as L,
} from './limits.js';

export interface ControlLayout {
  rows: DiscordActionRow[];
  /** The sections with only the controls that did not become components (shown as text). */
  sections: Section[];
  /** Lines telling what was trimmed; empty when everything fit. */
  notes: string[];
}

export interface ControlContext {
  ids: ComponentIds;
  /** Replaces `{{BotName}}` in commands (the bot's `<@id>` mention). */
  botMention: string;
  /** Replaces `{{BotName}}` in labels (`@switchboard`). */
  botName: string;
}

/** Lays out the controls of `sections` in order: each section's buttons, its selects, its multi-select. */
export function layoutControls(sections: readonly Section[], ctx: ControlContext): ControlLayout {
  const rows: DiscordActionRow[] = [];
  const notes: string[] = [];
  let leftOut = 0;
  const out = sections.map((section): Section => {
    const rest: Section = { ...section };
    delete rest.buttons;
    delete rest.selects;
    delete rest.multiSelect;
    const keptButtons: Button[] = [];
    const buttons = (section.buttons ?? []).filter((b) => b.command || b.url);
    for (let i = 0; i < buttons.length; i += L.buttonsPerRow) {
      const chunk = buttons.slice(i, i + L.buttonsPerRow);
      if (rows.length >= L.rows) {
        keptButtons.push(...chunk);
        leftOut += chunk.length;
        continue;
      }
      rows.push({ type: 1, components: chunk.map((b) => button(b, ctx)) });
    }
    if (keptButtons.length > 0) rest.buttons = keptButtons;
    const keptSelects = [];
    for (const select of section.selects?.items ?? []) {
      const options = (select.optionGroups ?? []).flatMap((g) => g.options ?? []);
      if (!select.command || options.length === 0) continue;
      if (rows.length >= L.rows) {
        keptSelects.push(select);
        leftOut += 1;
        continue;
      }
      const initial = select.initialOption?.value;
      rows.push({
        type: 1,
        components: [
          selectMenu(select.command, select.name, options, initial ? [initial] : [], 1, ctx, notes),
        ],
      });
    }
    if (keptSelects.length > 0) rest.selects = { ...section.selects, items: keptSelects };
    const multi = section.multiSelect;
    if (multi?.command && (multi.options ?? []).length > 0) {
      if (rows.length >= L.rows) {
        rest.multiSelect = multi;
        leftOut += 1;
      } else {
        const options = multi.options ?? [];
        const initial = (multi.initialOptions ?? []).map((o) => o.value);
        rows.push({
          type: 1,
          components: [
            selectMenu(
              multi.command,
              multi.name,
              options,
              initial,
              Math.min(options.length, L.selectOptions),
              ctx,
              notes,
            ),
          ],
        });
      }
    }
    return rest;
  });
  if (leftOut > 0) {
    notes.unshift(
      `… ${leftOut} more ${leftOut === 1 ? 'control' : 'controls'} than Discord shows on one message: type ${leftOut === 1 ? 'its command' : 'their commands'} (listed above) instead.`,
    );
  }
  return { rows, sections: out, notes };
}

function label(text: string, ctx: ControlContext, max: number): string {
  const named = text.replaceAll(botNamePlaceholder, ctx.botName).trim() || 'Run';
  return named.length <= max ? named : `${named.slice(0, max - 1)}…`;
}

function command(text: string, ctx: ControlContext): string {
  return text.replaceAll(botNamePlaceholder, ctx.botMention).trim();
}

function button(b: Button, ctx: ControlContext): DiscordButton {
  const name = label(b.name, ctx, L.buttonLabel);
  if (b.url && !b.command && b.url.length <= L.buttonUrl)
    return { type: 2, style: 5, label: name, url: b.url };
  const style = b.style === 'primary' ? 1 : b.style === 'danger' ? 4 : 2;
  return { type: 2, style, label: name, custom_id: ctx.ids.customId(command(b.command ?? '', ctx)) };
}

function selectMenu(
  cmd: string,
  name: string | undefined,
  all: readonly OptionItem[],
  initial: readonly string[],
  maxValues: number,
  ctx: ControlContext,
  notes: string[],
): DiscordSelect {
  const options = all.slice(0, L.selectOptions);
  if (all.length > options.length) {
    notes.push(
      `… ${name ?? 'a list'} has ${all.length - options.length} more options than Discord lists: type \`${command(cmd, ctx)} <value>\` for those.`,
    );
  }
  const select: DiscordSelect = {
    type: 3,
    custom_id: ctx.ids.customId(command(cmd, ctx)),
    options: options.map((o) => ({
      label: label(o.name || o.value, ctx, L.optionLabel),
      value: ctx.ids.optionValue(o.value),
      ...(initial.includes(o.value) ? { default: true } : {}),
    })),
  };
  if (name) select.placeholder = label(name, ctx, L.placeholder);
  if (maxValues > 1) {
    select.min_values = 1;
    select.max_values = maxValues;
  }
  return select;
}
