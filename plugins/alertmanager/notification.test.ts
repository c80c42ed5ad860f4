import { describe, expect, it } from 'vitest';
import { parseNotificationBody, readNotification } from './payload.js';
import { renderNotification } from './render-notification.js';

// As Alertmanager 0.25 sends it (captured from a real one, trimmed).
const firing = {
  receiver: 'chat',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: 'db1', severity: 'critical' },
      annotations: {
        summary: 'Disk almost full',
        description: '95% used on /var',
        runbook_url: 'https://runbooks.example/disk',
      },
      startsAt: '2025-05-01T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example/graph?g0.expr=x',
      fingerprint: 'e94c744ae3d44df8',
    },
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: 'db2', severity: 'warning' },
      annotations: { summary: 'Disk filling' },
      startsAt: '2025-05-01T10:05:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'aa',
    },
  ],
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.example:9093',
  version: '4',
  groupKey: '{}:{alertname="DiskFull"}',
  truncatedAlerts: 0,
};

describe('renderNotification', () => {
  it('renders a firing group: summary with silence buttons and a link, then each alert', () => {
    const message = renderNotification(readNotification(firing), { silenceDurations: ['2h', '1d'] });
    expect(message.timestamp).toBe('2025-05-01T10:05:00Z');
    expect(message.sections?.[0]).toEqual({
      header: '[FIRING:2] DiskFull',
      buttons: [
        {
          name: 'Silence 2h',
          command: '{{BotName}} alertmanager silence alertname="DiskFull" --for 2h',
          style: 'danger',
        },
        {
          name: 'Silence 1d',
          command: '{{BotName}} alertmanager silence alertname="DiskFull" --for 1d',
          style: 'danger',
        },
        {
          name: 'Open in Alertmanager',
          url: 'http://alertmanager.example:9093/#/alerts?silenced=false&inhibited=false&filter=%7Balertname%3D%22DiskFull%22%7D',
        },
      ],
    });
    expect(message.sections?.[1]).toEqual({
      header: 'Firing · DiskFull · critical',
      description: 'Disk almost full',
      body: { plaintext: '95% used on /var' },
      textFields: [
        { key: 'instance', value: 'db1' },
        { key: 'Started', value: '2025-05-01T10:00:00Z' },
      ],
      buttons: [
        { name: 'Source', url: 'http://prometheus.example/graph?g0.expr=x' },
        { name: 'Runbook', url: 'https://runbooks.example/disk' },
      ],
    });
    expect(message.sections?.[2]?.header).toBe('Firing · DiskFull · warning');
    expect(message.sections?.[2]?.buttons).toBeUndefined();
  });

  it('renders a resolved group without silence buttons, with the resolve time', () => {
    const resolved = {
      ...firing,
      status: 'resolved',
      alerts: [{ ...firing.alerts[0], status: 'resolved', endsAt: '2025-05-01T11:00:00Z' }],
    };
    const message = renderNotification(readNotification(resolved), { externalUrl: 'https://am.example' });
    expect(message.sections?.[0]?.header).toBe('[RESOLVED] DiskFull');
    expect(message.sections?.[0]?.buttons?.map((b) => b.name)).toEqual(['Open in Alertmanager']);
    expect(message.sections?.[0]?.buttons?.[0]?.url).toMatch(/^https:\/\/am\.example\/#\/alerts/);
    expect(message.sections?.[1]?.header).toBe('Resolved · DiskFull · critical');
    expect(message.sections?.[1]?.textFields).toContainEqual({
      key: 'Resolved',
      value: '2025-05-01T11:00:00Z',
    });
  });

  it('shows at most maxAlerts alerts and counts the rest, including ones Alertmanager truncated', () => {
    const message = renderNotification(readNotification({ ...firing, truncatedAlerts: 3 }), { maxAlerts: 1 });
    expect(message.sections).toHaveLength(3);
    expect(message.sections?.[2]).toEqual({ context: [{ text: '… and 4 more alerts' }] });
  });

  it('silences by the shared labels when there are no group labels', () => {
    const ungrouped = { ...firing, groupLabels: {}, commonLabels: { alertname: 'DiskFull', team: 'db' } };
    const message = renderNotification(readNotification(ungrouped), {});
    expect(message.sections?.[0]?.buttons?.[0]?.command).toBe(
      '{{BotName}} alertmanager silence alertname="DiskFull" team="db" --for 2h',
    );
  });
});

describe('reading the payload', () => {
  it('says what is wrong with a body that is not a notification', () => {
    const parse = (s: string) => parseNotificationBody(new TextEncoder().encode(s));
    expect(() => parse('nope')).toThrow(
      expect.objectContaining({ code: 3, message: expect.stringContaining('the body is not JSON') }),
    );
    expect(() => parse('{"status":"firing"}')).toThrow('"alerts" must be a list');
    expect(() => parse('{"status":"firing","alerts":[{}]}')).toThrow('alerts[0] has no labels');
    expect(() => parse('[]')).toThrow('the body is not a JSON object');
  });

  it('fills in what Alertmanager may leave out', () => {
    expect(readNotification({ status: 'resolved', alerts: [{ labels: { a: 'b' } }] })).toMatchObject({
      groupLabels: {},
      externalURL: '',
      alerts: [{ status: 'firing', annotations: {}, startsAt: '' }],
    });
  });
});
