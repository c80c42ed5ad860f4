import {
  commandButton,
  type Message,
  plaintextMessage,
  type Section,
  urlButton,
} from '../../src/sdk/index.js';
import type { ApiAlert, ApiSilence } from './api-client.js';
import { formatDuration } from './duration.js';
import { formatMatcher } from './matchers.js';

/** Most items listed in one message; chat platforms limit blocks per message. */
const maxItems = 20;

/** `alertmanager alerts`: one section per alert, with its state and a button to silence it. */
export function renderAlerts(alerts: ApiAlert[], silenceFor: string): Message {
  if (alerts.length === 0) return plaintextMessage('No alerts match.');
  const sorted = [...alerts].sort(
    (a, b) =>
      (a.labels.alertname ?? '').localeCompare(b.labels.alertname ?? '') ||
      a.startsAt.localeCompare(b.startsAt),
  );
  const sections = sorted.slice(0, maxItems).map((alert): Section => {
    const state = alert.status.state === 'suppressed' ? describeSuppressed(alert) : alert.status.state;
    const section: Section = {
      header: [alert.labels.alertname ?? 'alert', alert.labels.severity, state].filter(Boolean).join(' · '),
      textFields: Object.keys(alert.labels)
        .filter((key) => key !== 'alertname' && key !== 'severity')
        .sort()
        .map((key) => ({ key, value: alert.labels[key] ?? '' })),
      context: [{ text: `since ${alert.startsAt}` }],
    };
    if (alert.annotations.summary) section.description = alert.annotations.summary;
    const matchers = Object.keys(alert.labels)
      .sort()
      .map((name) => formatMatcher({ name, value: alert.labels[name] ?? '', isRegex: false, isEqual: true }));
    section.buttons = [
      commandButton(
        `Silence ${silenceFor}`,
        `alertmanager silence ${matchers.join(' ')} --for ${silenceFor}`,
        {
          style: 'danger',
        },
      ),
    ];
    if (alert.generatorURL && /^https?:\/\//.test(alert.generatorURL))
      section.buttons.push(urlButton('Source', alert.generatorURL));
    return section;
  });
  return {
    baseBody: { plaintext: `${alerts.length} alert${alerts.length === 1 ? '' : 's'}${more(alerts.length)}` },
    sections,
  };
}

function describeSuppressed(alert: ApiAlert): string {
  if (alert.status.silencedBy.length > 0) return `silenced by ${alert.status.silencedBy.join(', ')}`;
  return 'inhibited';
}

/** `alertmanager silences`: one section per silence, with a button to expire it. */
export function renderSilences(silences: ApiSilence[], includeExpired: boolean): Message {
  const shown = silences.filter((s) => includeExpired || s.status.state !== 'expired');
  if (shown.length === 0) {
    return plaintextMessage(
      includeExpired ? 'No silences.' : 'No active or pending silences (add --all to include expired ones).',
    );
  }
  const sections = shown.slice(0, maxItems).map(
    (silence): Section => ({
      header: `${silence.id} · ${silence.status.state}`,
      description: silence.matchers.map(formatMatcher).join(' '),
      textFields: [
        { key: 'Created by', value: silence.createdBy },
        { key: 'Until', value: silence.endsAt },
        ...(silence.comment ? [{ key: 'Comment', value: silence.comment }] : []),
      ],
      ...(silence.status.state === 'expired'
        ? {}
        : { buttons: [commandButton('Expire', `alertmanager expire ${silence.id}`, { style: 'danger' })] }),
    }),
  );
  return {
    baseBody: { plaintext: `${shown.length} silence${shown.length === 1 ? '' : 's'}${more(shown.length)}` },
    sections,
  };
}

/** The answer to `alertmanager silence …`: who silenced what, until when, and how to undo it. */
export function renderSilenceCreated(
  id: string,
  silence: { matchers: string[]; createdBy: string; endsAt: Date; durationMs: number },
  externalUrl: string,
): Message {
  const buttons = [commandButton('Expire now', `alertmanager expire ${id}`)];
  if (/^https?:\/\//.test(externalUrl))
    buttons.push(urlButton('Open silence', `${externalUrl.replace(/\/+$/, '')}/#/silences/${id}`));
  return {
    baseBody: {
      plaintext: `${silence.createdBy} silenced ${silence.matchers.join(' ')} for ${formatDuration(silence.durationMs)}, until ${silence.endsAt.toISOString()}.`,
    },
    sections: [{ context: [{ text: `Silence ${id}` }], buttons }],
  };
}

/** The answer to `alertmanager expire <id>`. */
export function renderExpired(id: string): Message {
  return plaintextMessage(`Silence ${id} expired.`);
}

/** Help: the commands, with buttons for the ones that need no arguments. */
export function renderHelp(): Message {
  return {
    baseBody: {
      plaintext: [
        'alertmanager alerts [matchers…]: list alerts, e.g. alertmanager alerts severity="critical"',
        'alertmanager silences [matchers…] [--all]: list silences (--all includes expired ones)',
        'alertmanager silence <matchers…> [--for 2h] [--comment "why"]: silence matching alerts',
        'alertmanager expire <id>: end a silence now',
        'Matchers: name="value", name!="value", name=~"regex", name!~"regex".',
      ].join('\n'),
    },
    sections: [
      {
        buttons: [
          commandButton('List alerts', 'alertmanager alerts'),
          commandButton('List silences', 'alertmanager silences'),
        ],
      },
    ],
  };
}

/** A command that could not be read: why, and where to look. */
export function renderInvalid(reason: string): Message {
  return plaintextMessage(`${reason} Run \`alertmanager help\` for the commands.`);
}

function more(count: number): string {
  return count > maxItems ? ` (showing the first ${maxItems})` : '';
}
