import type { SourceEvent } from '../../src/sdk/index.js';
import { botNamePlaceholder } from '../../src/sdk/index.js';
import type { ScenarioName } from './config.js';

/**
 * Sample notifications shaped like the ones real sources send (a Kubernetes watch, an
 * Alertmanager webhook), so a newcomer sees headers, fields, context lines and buttons.
 * Buttons run read-only `exec` commands the quickstart config allows.
 */
export function demoEvent(scenario: ScenarioName, sequence: number, now: Date): SourceEvent {
  const note = { text: `Demo event #${sequence} · sample data from the demo source` };
  const run = (command: string) => `${botNamePlaceholder} ${command}`;
  switch (scenario) {
    case 'pod-crashloop':
      return event(now, sequence, scenario, {
        header: ':warning: Pod restarting: payments/api-7f9c',
        fields: {
          Kind: 'Pod',
          Namespace: 'payments',
          Name: 'api-7f9c',
          Reason: 'CrashLoopBackOff',
          Restarts: '4',
        },
        body: 'Back-off restarting failed container api in pod api-7f9c',
        buttons: [
          { name: 'Disk usage', command: run('exec df -h /') },
          { name: 'Uptime', command: run('exec uptime') },
        ],
        note,
        raw: {
          kind: 'Pod',
          namespace: 'payments',
          name: 'api-7f9c',
          reason: 'CrashLoopBackOff',
          restarts: 4,
        },
      });
    case 'deployment-rollout':
      return event(now, sequence, scenario, {
        header: ':white_check_mark: Deployment rolled out: shop/frontend',
        fields: { Kind: 'Deployment', Namespace: 'shop', Name: 'frontend', Replicas: '3/3' },
        body: 'Deployment frontend successfully rolled out revision 12',
        buttons: [{ name: 'Date', command: run('exec date') }],
        note,
        raw: { kind: 'Deployment', namespace: 'shop', name: 'frontend', revision: 12, ready: 3, desired: 3 },
      });
    case 'alert-firing':
      return event(now, sequence, scenario, {
        header: ':rotating_light: Alert firing: HighRequestLatency',
        fields: { Severity: 'warning', Service: 'checkout', Summary: 'p99 latency above 500ms for 10m' },
        body: 'checkout p99 latency is 734ms (threshold 500ms)',
        buttons: [{ name: 'Who am I', command: run('exec whoami') }],
        note,
        raw: {
          alertname: 'HighRequestLatency',
          status: 'firing',
          labels: { severity: 'warning', service: 'checkout' },
        },
      });
    case 'job-succeeded':
      return event(now, sequence, scenario, {
        header: ':package: Job completed: batch/nightly-report',
        fields: { Kind: 'Job', Namespace: 'batch', Name: 'nightly-report', Duration: '2m14s' },
        body: 'Job nightly-report completed (1/1 succeeded)',
        buttons: [],
        note,
        raw: { kind: 'Job', namespace: 'batch', name: 'nightly-report', succeeded: 1 },
      });
  }
}

interface Parts {
  header: string;
  fields: Record<string, string>;
  body: string;
  buttons: { name: string; command: string }[];
  note: { text: string };
  raw: Record<string, unknown>;
}

function event(now: Date, sequence: number, scenario: ScenarioName, parts: Parts): SourceEvent {
  return {
    message: {
      baseBody: {},
      timestamp: now,
      sections: [
        {
          header: parts.header,
          textFields: Object.entries(parts.fields).map(([key, value]) => ({ key, value })),
          body: { plaintext: parts.body },
          ...(parts.buttons.length > 0 ? { buttons: parts.buttons } : {}),
          context: [parts.note],
        },
      ],
    },
    rawObject: { ...parts.raw, demo: { scenario, sequence, emittedAt: now.toISOString() } },
    analyticsLabels: { plugin: 'demo' },
  };
}
