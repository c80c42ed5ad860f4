/** The Block Kit shapes the renderer produces (a subset of `@slack/types`, kept to what we emit). */

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}

export interface SlackOption {
  text: PlainText;
  value: string;
}

export interface ButtonElement {
  type: 'button';
  text: PlainText;
  action_id: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
}

export interface StaticSelectElement {
  type: 'static_select';
  action_id: string;
  placeholder: PlainText;
  option_groups?: { label: PlainText; options: SlackOption[] }[];
  options?: SlackOption[];
  initial_option?: SlackOption;
}

export interface MultiSelectElement {
  type: 'multi_static_select';
  action_id: string;
  placeholder: PlainText;
  options: SlackOption[];
  initial_options?: SlackOption[];
}

export interface SectionBlock {
  type: 'section';
  text?: Mrkdwn;
  fields?: Mrkdwn[];
  accessory?: ButtonElement | MultiSelectElement;
}

export interface HeaderBlock {
  type: 'header';
  text: PlainText;
}

export interface DividerBlock {
  type: 'divider';
}

export interface ContextBlock {
  type: 'context';
  elements: Mrkdwn[];
}

export interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: (ButtonElement | StaticSelectElement)[];
}

export interface PlainTextInputElement {
  type: 'plain_text_input';
  action_id: string;
  placeholder?: PlainText;
  dispatch_action_config?: { trigger_actions_on: ('on_enter_pressed' | 'on_character_entered')[] };
}

export interface InputBlock {
  type: 'input';
  block_id: string;
  label: PlainText;
  dispatch_action?: boolean;
  /** Modals only: the form may be submitted with the block left empty. */
  optional?: boolean;
  /** Selects appear in input blocks only in modals, where Slack sends their value with the form. */
  element: PlainTextInputElement | StaticSelectElement | MultiSelectElement;
}

export type SlackBlock = SectionBlock | HeaderBlock | DividerBlock | ContextBlock | ActionsBlock | InputBlock;

/** One Slack message: the fallback `text` (notifications, screen readers) and its blocks. */
export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

export const plain = (text: string): PlainText => ({ type: 'plain_text', text, emoji: true });
export const md = (text: string): Mrkdwn => ({ type: 'mrkdwn', text });
