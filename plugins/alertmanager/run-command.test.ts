import { describe, expect, it } from 'vitest';
import type { ExecuteInput } from '../../src/sdk/index.js';
import type { AlertmanagerApi, ApiAlert, ApiSilence, NewSilence } from './api-client.js';
import { AlertmanagerApiError } from './api-client.js';
import { runCommand } from './run-command.js';

/** An in-memory API that records what it was asked. */
function fakeApi(state: { alerts?: ApiAlert[]; silences?: ApiSilence[]; fail?: string } = {}) {
  const created: NewSilence[] = [];
  const expired: string[] = [];
  const check = () => {
    if (state.fail) throw new AlertmanagerApiError(state.fail);
  };
  const api: AlertmanagerApi = {
    alerts: async () => {
      check();
      return state.alerts ?? [];
    },
    silences: async () => {
      check();
      return state.silences ?? [];
    },
    createSilence: async (silence) => {
      check();
      created.push(silence);
      return 'silence-1';
    },
    expireSilence: async (id) => {
      check();
      expired.push(id);
    },
  };
  return { api, created, expired };
}

function input(command: string, displayName?: string): ExecuteInput {
  const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  return {
    command,
    rawConfigs: [],
    config: <T>() => ({ url: 'http://am:9093', externalUrl: 'https://am.example' }) as T,
    context: {
      interactive: true,
      kubeConfig: new Uint8Array(),
      incomingWebhookBaseUrl: '',
      ...(displayName
        ? { message: { text: command, url: '', parentActivityId: '', user: { mention: '@a', displayName } } }
        : {}),
    },
    signal: new AbortController().signal,
    protocolVersion: 3,
    log,
  };
}

const now = () => new Date('2025-05-01T10:00:00Z');

describe('runCommand', () => {
  it('creates a silence for the user who asked, for the given time, with a way to undo it', async () => {
    const { api, created } = fakeApi();
    const message = await runCommand(input('alertmanager silence alertname="DiskFull" --for 90m', 'Ada'), {
      api,
      now,
    });
    expect(created).toEqual([
      {
        matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
        startsAt: now(),
        endsAt: new Date('2025-05-01T11:30:00Z'),
        createdBy: 'Ada',
        comment: 'Silenced from chat by Ada',
      },
    ]);
    expect(message.baseBody.plaintext).toBe(
      'Ada silenced alertname="DiskFull" for 1h30m, until 2025-05-01T11:30:00.000Z.',
    );
    expect(message.sections?.[0]?.buttons).toEqual([
      { name: 'Expire now', command: '{{BotName}} alertmanager expire silence-1' },
      { name: 'Open silence', url: 'https://am.example/#/silences/silence-1' },
    ]);
  });

  it("names 'switchboard' as the creator when the host does not say who asked", async () => {
    const { api, created } = fakeApi();
    await runCommand(input('alertmanager silence a=b --comment "planned work"'), { api, now });
    expect(created[0]).toMatchObject({ createdBy: 'switchboard', comment: 'planned work' });
  });

  it('answers API failures and command mistakes as messages, not errors', async () => {
    const { api } = fakeApi({
      fail: 'Cannot reach Alertmanager at http://am:9093 (ECONNREFUSED); check url.',
    });
    expect((await runCommand(input('alertmanager alerts'), { api })).baseBody.plaintext).toMatch(
      /^Cannot reach Alertmanager/,
    );
    expect((await runCommand(input('alertmanager silence'), { api })).baseBody.plaintext).toContain(
      'at least one matcher',
    );
  });

  it('lists alerts with their state and a silence button each', async () => {
    const alert: ApiAlert = {
      labels: { alertname: 'DiskFull', instance: 'db1', severity: 'critical' },
      annotations: { summary: 'Disk almost full' },
      startsAt: '2025-05-01T09:00:00Z',
      endsAt: '2025-05-01T10:05:00Z',
      fingerprint: 'f',
      status: { state: 'suppressed', silencedBy: ['s-1'], inhibitedBy: [] },
    };
    const { api } = fakeApi({ alerts: [alert] });
    const message = await runCommand(input('alertmanager alerts'), { api });
    expect(message.baseBody.plaintext).toBe('1 alert');
    expect(message.sections?.[0]).toMatchObject({
      header: 'DiskFull · critical · silenced by s-1',
      description: 'Disk almost full',
      textFields: [{ key: 'instance', value: 'db1' }],
      buttons: [
        {
          name: 'Silence 2h',
          command:
            '{{BotName}} alertmanager silence alertname="DiskFull" instance="db1" severity="critical" --for 2h',
        },
      ],
    });
  });

  it('lists silences without expired ones unless asked, and expires by ID', async () => {
    const silence = (id: string, state: ApiSilence['status']['state']): ApiSilence => ({
      id,
      matchers: [{ name: 'alertname', value: 'X', isRegex: false, isEqual: true }],
      startsAt: '',
      endsAt: '2025-05-01T12:00:00Z',
      createdBy: 'Ada',
      comment: 'c',
      status: { state },
    });
    const { api, expired } = fakeApi({ silences: [silence('s-1', 'active'), silence('s-0', 'expired')] });
    const active = await runCommand(input('alertmanager silences'), { api });
    expect(active.sections?.map((s) => s.header)).toEqual(['s-1 · active']);
    expect(active.sections?.[0]?.buttons?.[0]?.command).toBe('{{BotName}} alertmanager expire s-1');
    const all = await runCommand(input('alertmanager silences --all'), { api });
    expect(all.sections?.map((s) => s.header)).toEqual(['s-1 · active', 's-0 · expired']);
    expect((await runCommand(input('alertmanager expire s-1'), { api })).baseBody.plaintext).toBe(
      'Silence s-1 expired.',
    );
    expect(expired).toEqual(['s-1']);
  });
});
