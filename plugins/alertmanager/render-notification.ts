import { commandButton, type Message, type Section, urlButton } from '../../src/sdk/index.js';
import type { AlertmanagerSourceConfig } from './config.js';
import { formatMatcher } from './matchers.js';
import type { Notification, NotifiedAlert } from './payload.js';

/**
 * The chat message for one notification: a summary section with the group, silence buttons
 * and a link to Alertmanager, then one section per alert (severity, summary, description,
 * labels, times, links to the source and runbook). Pure: everything comes from the payload.
 */
export function renderNotification(
  notification: Notification,
  config: AlertmanagerSourceConfig = {},
): Message {
  const firing = notification.alerts.filter((a) => a.status === 'firing');
  const name = groupName(notification);
  const counts = notification.status === 'firing' ? `FIRING:${firing.length}` : 'RESOLVED';
  const base = (config.externalUrl ?? notification.externalURL).replace(/\/+$/, '');
  const matchers = silenceMatchers(notification);

  const summary: Section = { header: `[${counts}] ${name}` };
  const common = notification.commonAnnotations.summary;
  if (common) summary.description = common;
  const buttons = [];
  if (notification.status === 'firing' && matchers.length > 0) {
    for (const duration of config.silenceDurations ?? ['2h']) {
      buttons.push(
        commandButton(`Silence ${duration}`, `alertmanager silence ${matchers.join(' ')} --for ${duration}`, {
          style: 'danger',
        }),
      );
    }
  }
  if (isHttpUrl(base)) {
    const filter = encodeURIComponent(`{${matchers.join(',')}}`);
    buttons.push(
      urlButton('Open in Alertmanager', `${base}/#/alerts?silenced=false&inhibited=false&filter=${filter}`),
    );
  }
  if (buttons.length > 0) summary.buttons = buttons;

  const max = config.maxAlerts ?? 10;
  const sections = [summary, ...notification.alerts.slice(0, max).map(alertSection)];
  const hidden =
    notification.alerts.length -
    Math.min(max, notification.alerts.length) +
    (notification.truncatedAlerts ?? 0);
  if (hidden > 0)
    sections.push({ context: [{ text: `… and ${hidden} more alert${hidden === 1 ? '' : 's'}` }] });
  const timestamp = latest(notification.alerts.map((a) => (a.status === 'resolved' ? a.endsAt : a.startsAt)));
  return { baseBody: {}, sections, ...(timestamp ? { timestamp } : {}) };
}

function alertSection(alert: NotifiedAlert): Section {
  const { alertname = 'alert', severity } = alert.labels;
  const section: Section = {
    header: [alert.status === 'firing' ? 'Firing' : 'Resolved', alertname, severity]
      .filter(Boolean)
      .join(' · '),
  };
  const { summary, description } = alert.annotations;
  if (summary) section.description = summary;
  if (description) section.body = { plaintext: description };
  const fields = Object.keys(alert.labels)
    .filter((key) => key !== 'alertname' && key !== 'severity')
    .sort()
    .map((key) => ({ key, value: alert.labels[key] ?? '' }));
  if (isSet(alert.startsAt)) fields.push({ key: 'Started', value: alert.startsAt });
  if (alert.status === 'resolved' && isSet(alert.endsAt))
    fields.push({ key: 'Resolved', value: alert.endsAt });
  if (fields.length > 0) section.textFields = fields;
  const links = [];
  if (isHttpUrl(alert.generatorURL)) links.push(urlButton('Source', alert.generatorURL));
  const runbook = alert.annotations.runbook_url ?? alert.annotations.runbook;
  if (runbook && isHttpUrl(runbook)) links.push(urlButton('Runbook', runbook));
  if (links.length > 0) section.buttons = links;
  return section;
}

/** The group's name as Alertmanager's own templates show it: the alert name, else the group label values. */
function groupName(notification: Notification): string {
  const { groupLabels, commonLabels } = notification;
  return (
    groupLabels.alertname ??
    commonLabels.alertname ??
    (Object.values(groupLabels).join(' ') || `${notification.alerts.length} alerts`)
  );
}

/** Matchers that select this group: its group labels, else the labels all its alerts share. */
function silenceMatchers(notification: Notification): string[] {
  const labels =
    Object.keys(notification.groupLabels).length > 0 ? notification.groupLabels : notification.commonLabels;
  return Object.keys(labels)
    .sort()
    .map((name) => formatMatcher({ name, value: labels[name] ?? '', isRegex: false, isEqual: true }));
}

/** Go writes an unset time as the zero time. */
function isSet(time: string): boolean {
  return time !== '' && !time.startsWith('0001-01-01');
}

function latest(times: string[]): string | undefined {
  const set = times.filter((t) => isSet(t) && !Number.isNaN(Date.parse(t)));
  return set.reduce<string | undefined>(
    (a, b) => (a === undefined || Date.parse(b) > Date.parse(a) ? b : a),
    undefined,
  );
}

function isHttpUrl(url: string): boolean {
  return /^https?:\/\/[^\s]+$/.test(url);
}
