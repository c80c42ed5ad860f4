/**
 * A `block_actions` element back into the command it stands for (Botkube's
 * `resolveBlockActionCommand`): a button runs its value, a select runs `<action_id> <value>`, a
 * multi-select `<action_id> v1,v2`, a text input `<block_id>"<typed text>"`. Link buttons run
 * nothing (Slack still sends the click; it is acknowledged and ignored).
 */
import type { CommandOrigin } from '../../core/inbound-command.js';
import { decodeField } from './action-codec.js';

/** The part of a `block_actions` action the mapping reads (bolt's `BlockAction` union). */
export interface BlockActionLike {
  type: string;
  action_id: string;
  block_id?: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
}

export type ActionCommand =
  | { kind: 'command'; text: string; origin: CommandOrigin }
  | { kind: 'ignore'; reason: 'link' | 'unsupported' | 'empty' }
  /** The element carries a reference the bot no longer knows (made before a restart). */
  | { kind: 'expired' };

/** Maps one action to a command; `lookup` resolves references made by the renderer. */
export function commandFromAction(
  action: BlockActionLike,
  lookup: (ref: string) => string | undefined,
): ActionCommand {
  const decode = (field: string) => decodeField(field, lookup);
  switch (action.type) {
    case 'button': {
      if (!action.value)
        return { kind: 'ignore', reason: action.action_id.startsWith('url') ? 'link' : 'empty' };
      const text = decode(action.value);
      return text === undefined ? { kind: 'expired' } : { kind: 'command', text, origin: 'button' };
    }
    case 'static_select': {
      if (!action.selected_option) return { kind: 'ignore', reason: 'empty' };
      const base = decode(action.action_id);
      const value = decode(action.selected_option.value);
      if (base === undefined || value === undefined) return { kind: 'expired' };
      return { kind: 'command', text: `${base} ${value}`, origin: 'select' };
    }
    case 'multi_static_select': {
      const base = decode(action.action_id);
      const values = (action.selected_options ?? []).map((o) => decode(o.value));
      if (base === undefined || values.some((v) => v === undefined)) return { kind: 'expired' };
      return { kind: 'command', text: `${base} ${values.join(',')}`, origin: 'multi-select' };
    }
    case 'plain_text_input': {
      const base = decode(action.block_id ?? '');
      if (base === undefined) return { kind: 'expired' };
      if (!base) return { kind: 'ignore', reason: 'empty' };
      return {
        kind: 'command',
        text: `${base}${JSON.stringify((action.value ?? '').trim())}`,
        origin: 'text-input',
      };
    }
    default:
      return { kind: 'ignore', reason: 'unsupported' };
  }
}

/**
 * Slack's `state.values` as plugins receive it in `slackState` (Botkube's shape): action IDs
 * decoded and with the bot mention removed from their start, as Botkube's
 * `removeBotNameFromIDs` does. Undefined when there is no state.
 */
export function interactionState(
  state: { values?: Record<string, Record<string, unknown>> } | undefined,
  botMention: string,
  lookup: (ref: string) => string | undefined,
): Uint8Array | undefined {
  const values = state?.values;
  if (!values || Object.keys(values).length === 0) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [blockId, actions] of Object.entries(values)) {
    const renamed: Record<string, unknown> = {};
    for (const [actionId, value] of Object.entries(actions)) {
      const decoded = decodeField(actionId, lookup) ?? actionId;
      const id = decoded.startsWith(botMention) ? decoded.slice(botMention.length).trim() : decoded.trim();
      renamed[id] = value;
    }
    out[blockId] = renamed;
  }
  return new TextEncoder().encode(JSON.stringify({ values: out }));
}
