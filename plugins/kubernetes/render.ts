import {
  type Button,
  botNamePlaceholder,
  type Message,
  type OptionItem,
  type Section,
} from '../../src/sdk/index.js';
import { renderButtonTemplate, type TemplatePart } from './button-template.js';
import type { EventTypeName } from './config.js';
import type { EventLevel, KubeEvent } from './kube-event.js';

const emoji: Record<EventLevel, string> = { success: '🟢', info: '💡', warn: '⚠️', error: '❗' };

/** An extra button with its template parsed at config load. */
export interface PreparedButton {
  displayName: string;
  template: TemplatePart[];
  triggers: readonly EventTypeName[];
}

export interface RenderOptions {
  interactive: boolean;
  /** "Run command…" options; empty leaves the select out. */
  commandOptions: readonly OptionItem[];
  buttons: readonly PreparedButton[];
}

/**
 * Botkube's event message (`msg.go`): a header `<emoji> <title>`, the non-empty fields Kind,
 * Name, Namespace, Reason, Action, Cluster (plus Count for repeated warnings, which Botkube
 * does not show), bullet lists of messages, recommendations and warnings. Interactive streams
 * get a second section with the extra buttons for the event's type and the "Run command…"
 * select (never for deletes); others get the single-section type.
 */
export function renderEvent(event: KubeEvent, options: RenderOptions): Message {
  const fields = [
    ['Kind', event.Kind],
    ['Name', event.Name],
    ['Namespace', event.Namespace],
    ['Reason', event.Reason],
    ['Action', event.Action],
    ['Cluster', event.Cluster],
    ['Count', event.Count > 1 ? String(event.Count) : ''],
  ].filter(([, value]) => value !== '');
  const lists = [
    ['Messages', event.Messages],
    ['Recommendations', event.Recommendations],
    ['Warnings', event.Warnings],
  ] as const;
  const main: Section = {
    header: `${emoji[event.Level]} ${event.Title}`,
    textFields: fields.map(([key = '', value = '']) => ({ key, value })),
    bulletLists: lists
      .filter(([, items]) => items.length > 0)
      .map(([title, items]) => ({ title, items: [...items] })),
  };
  const message: Message = { baseBody: {}, timestamp: event.TimeStamp, sections: [main] };
  if (!options.interactive) return { type: 'nonInteractiveEventSingleSection', ...message };
  const data = { ...event } as unknown as Record<string, unknown>;
  const buttons: Button[] = options.buttons
    .filter((b) => b.triggers.includes(event.Type) || b.triggers.includes('all'))
    .map((b) => ({
      name: b.displayName,
      command: `${botNamePlaceholder} ${renderButtonTemplate(b.template, data)}`,
      style: 'primary',
    }));
  const offerSelect = event.Type !== 'delete' && options.commandOptions.length > 0;
  if (buttons.length === 0 && !offerSelect) return message;
  const actions: Section = {};
  if (buttons.length > 0) actions.buttons = buttons;
  if (offerSelect) {
    actions.selects = {
      items: [
        {
          type: 'static',
          name: 'Run command...',
          command: `${botNamePlaceholder} kubectl`,
          optionGroups: [{ name: 'Supported commands', options: [...options.commandOptions] }],
        },
      ],
    };
  }
  return { ...message, sections: [main, actions] };
}
