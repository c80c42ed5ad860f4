/**
 * The chat message model shared with Botkube plugins (`pkg/api/message.go`): what an executor
 * returns and what a source event carries. Keys are the camelCase JSON keys Go writes.
 * {@link toGoJson}/{@link encodeMessage} write the exact JSON shape Go's encoding/json would,
 * so Botkube hosts read Switchboard plugins; {@link parseMessage} reads any plugin's JSON.
 * The writer lives in `message-go-json.ts` and the reader in `message-read.ts`; both are
 * re-exported from here, which stays the one import path for the whole model.
 */

/**
 * How a host should treat the message. `''` is the default; values outside this union found
 * while parsing are dropped, so renderers fall back to the default.
 * - `baseBodyWithFilter`: only `baseBody` is used, and the `--filter` flag applies to it.
 * - `nonInteractiveEventSingleSection`: exactly one section; fits Discord embeds etc.
 * - `form`: shown as a modal where the platform has one (Slack; a dialog in the console) when it answers a click;
 *   otherwise posted like any message.
 * - `threadMessage`: post in a thread. `skipMessage`: send nothing.
 * - `basicCardWithButtonsInSeparateMessage`: Teams card whose buttons come separately.
 */
export type MessageType =
  | ''
  | 'baseBodyWithFilter'
  | 'nonInteractiveEventSingleSection'
  | 'form'
  | 'threadMessage'
  | 'skipMessage'
  | 'basicCardWithButtonsInSeparateMessage';

/** Button colour: default, primary (green/blue) or danger (red). */
export type ButtonStyle = '' | 'primary' | 'danger';

/** How a button's description is rendered; `''` means the host default (code). */
export type ButtonDescriptionStyle = '' | 'bold' | 'italic' | 'text' | 'code';

/** `none` suppresses the divider hosts draw after a section. */
export type DividerStyle = '' | 'none';

/** `static` selects list their options; `external` selects load them from the host. */
export type SelectType = 'static' | 'external';

/** When an input sends its value: on Enter, on each character, or only with the form (`''`). */
export type DispatchedInputAction = '' | 'on_enter_pressed' | 'on_character_entered';

/** Text content; either member may be absent. `codeBlock` is rendered preformatted. */
export interface Body {
  codeBlock?: string;
  plaintext?: string;
}

/** One chat message, as produced by a plugin. Only `baseBody` is required. */
export interface Message {
  type?: MessageType;
  baseBody: Body;
  /**
   * When the reported thing happened. A Date, or an RFC 3339 string. Absent means "no
   * timestamp" (Go's zero time on the wire). {@link parseMessage} returns the string form.
   */
  timestamp?: Date | string;
  sections?: Section[];
  plaintextInputs?: LabelInput[];
  /** Show only to the requesting user (Slack ephemeral message). */
  onlyVisibleForYou?: boolean;
  /** Replace the message the interaction came from instead of posting a new one. */
  replaceOriginal?: boolean;
  /** Post to this user rather than to the channel. */
  userHandle?: string;
  /** Reply in this thread (the platform's message or activity id). */
  parentActivityId?: string;
}

/** A block of a message. Go flattens `header`, `description` and `body` (its `Base`) into it. */
export interface Section {
  header?: string;
  description?: string;
  body?: Body;
  style?: SectionStyle;
  buttons?: Button[];
  multiSelect?: MultiSelect;
  selects?: Selects;
  plaintextInputs?: LabelInput[];
  textFields?: TextField[];
  bulletLists?: BulletList[];
  context?: ContextItem[];
}

/** Presentation hints for a section. */
export interface SectionStyle {
  divider?: DividerStyle;
}

/**
 * An interactive button: `command` is executed when clicked, or `url` is opened. Commands
 * usually start with {@link botNamePlaceholder}; use {@link commandButton} to get that right.
 */
export interface Button {
  name: string;
  command?: string;
  url?: string;
  description?: string;
  descriptionStyle?: ButtonDescriptionStyle;
  style?: ButtonStyle;
}

/** A multi-choice dropdown; on change, `command` runs with the chosen values. */
export interface MultiSelect {
  name?: string;
  description?: Body;
  command?: string;
  options?: OptionItem[];
  /** Pre-selected options; must be a subset of `options`. */
  initialOptions?: OptionItem[];
}

/** A row of single-choice dropdowns; `id` identifies the block when a host updates it. */
export interface Selects {
  id?: string;
  items?: Select[];
}

/** A single-choice dropdown whose options come in named groups. */
export interface Select {
  type?: SelectType;
  name?: string;
  command?: string;
  optionGroups?: OptionGroup[];
  /** Pre-selected option; must be one of the groups' options. */
  initialOption?: OptionItem;
}

/** One choice: `name` is shown, `value` is appended to the command. */
export interface OptionItem {
  name: string;
  value: string;
}

/** A titled group of options within a {@link Select}. */
export interface OptionGroup {
  name: string;
  options: OptionItem[];
}

/** A labelled free-text input; its text is appended to `command`. */
export interface LabelInput {
  command?: string;
  text?: string;
  placeholder?: string;
  dispatchedAction?: DispatchedInputAction;
}

/** A key/value pair rendered in a fields grid. */
export interface TextField {
  key: string;
  value: string;
}

/** A bullet list with an optional title. */
export interface BulletList {
  title?: string;
  items: string[];
}

/** A line of small secondary text under a section. */
export interface ContextItem {
  text: string;
}

/**
 * Replaced by each bot with its own mention (for example `@Switchboard`) before a command
 * from a button, select or input is executed, so one message works on every platform.
 */
export const botNamePlaceholder = '{{BotName}}';

/** Options for {@link codeBlockMessage} and {@link plaintextMessage}. */
export interface BodyMessageOptions {
  /** Let users narrow the text with `--filter`; sets type `baseBodyWithFilter`. */
  allowFilter?: boolean;
}

/** A message whose only content is `text`, shown preformatted (typical for command output). */
export function codeBlockMessage(text: string, options: BodyMessageOptions = {}): Message {
  return bodyMessage({ codeBlock: text }, options);
}

/** A message whose only content is `text`, shown as ordinary text. */
export function plaintextMessage(text: string, options: BodyMessageOptions = {}): Message {
  return bodyMessage({ plaintext: text }, options);
}

function bodyMessage(baseBody: Body, options: BodyMessageOptions): Message {
  return options.allowFilter ? { type: 'baseBodyWithFilter', baseBody } : { baseBody };
}

/** Options for {@link commandButton}. */
export interface CommandButtonOptions {
  style?: ButtonStyle;
  /** Shown next to the button, as given. */
  description?: string;
  /** Defaults to `code` when a description is given, like Botkube's builder. */
  descriptionStyle?: ButtonDescriptionStyle;
}

/**
 * A button that runs `command` (without the bot mention, e.g. `kubectl get pods`) when
 * clicked. The command is prefixed with `{{BotName}} `, as Botkube's `ButtonBuilder` does,
 * because hosts dispatch button commands like typed messages addressed to the bot.
 */
export function commandButton(name: string, command: string, options: CommandButtonOptions = {}): Button {
  const button: Button = { name, command: `${botNamePlaceholder} ${command}` };
  if (options.description) {
    button.description = options.description;
    button.descriptionStyle = options.descriptionStyle ?? 'code';
  } else if (options.descriptionStyle) {
    button.descriptionStyle = options.descriptionStyle;
  }
  if (options.style) {
    button.style = options.style;
  }
  return button;
}

/** A link button that opens `url`. */
export function urlButton(name: string, url: string, style?: ButtonStyle): Button {
  return style ? { name, url, style } : { name, url };
}

// The writer and reader, re-exported so './message.js' stays the one import path. They import
// only types from this file, so there is no runtime cycle.
export { encodeMessage, goJsonStringify, toGoJson } from './message-go-json.js';
export { MessageFormatError, parseJsonObject, parseMessage, readMessage } from './message-read.js';
