import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../support/build-fixtures.js';
import { test } from '../support/temp-dir.js';

const illustration = join(repoRoot, 'test/fixtures/config/botkube/illustration.yaml');

/** Runs the built CLI (global setup compiles dist/) with only the given environment. */
async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(join(repoRoot, 'bin/run.js'), args, {
      timeout: 20_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('switchboard config validate', () => {
  it('exits 0 for a Botkube config, printing its warnings on stderr', async () => {
    const result = await cli(['config', 'validate', '-c', illustration]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('configuration is valid (1 file, 2 warnings)\n');
    expect(result.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /^warning: .*illustration\.yaml:\d+:\d+: executors\.read-only\["botkube\/kubectl"\]\.context\.rbac\.group\.type: group\.type "ChannelName" cannot resolve here: action "describe-failed-pod" runs this executor/,
      ),
      expect.stringMatching(
        /^warning: .*illustration\.yaml:\d+:\d+: plugins\.incomingWebhook\.auth: incoming webhooks accept/,
      ),
      '',
    ]);
  });

  test('exits 1 for an empty or comment-only file, naming it', async ({ dir }) => {
    const file = await dir.write('config.yaml', '# to be written\n');
    const result = await cli(['config', 'validate', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      `error: ${file}: the config file is empty (or holds only comments); an empty config is refused so that a half-written file never replaces the running config`,
      'configuration is invalid: 1 error',
      '',
    ]);
  });

  test('exits 1 listing every error with file, line and column', async ({ dir }) => {
    const file = await dir.write(
      'broken.yaml',
      'settings:\n  log: {level: loud}\nplugins:\n  healthCheckInterval: soon\n  restartPolicy: {typ: RestartAgent}\n',
    );
    const result = await cli(['config', 'validate', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `error: ${file}:2:16: settings.log.level: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"`,
      `error: ${file}:4:24: plugins.healthCheckInterval: "soon" is not a duration; expected a Go duration such as "10s", "1m30s" or "250ms"`,
      `error: ${file}:5:19: plugins.restartPolicy.typ: unknown key "typ"; did you mean "type"?`,
      'configuration is invalid: 3 errors',
      '',
    ]);
  });

  test('prints a machine-readable report with --json', async ({ dir }) => {
    const file = await dir.write('broken.yaml', 'aliases:\n  k: {}\n');
    const result = await cli(['config', 'validate', '-c', file, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      files: [file],
      errors: [
        {
          severity: 'error',
          code: 'missing',
          path: ['aliases', 'k', 'command'],
          source: { kind: 'file', file, line: 2, column: 3 },
        },
      ],
    });
  });

  it('reads the files from SWITCHBOARD_CONFIG_PATHS, and exits 2 without any', async () => {
    expect((await cli(['config', 'validate'], { SWITCHBOARD_CONFIG_PATHS: illustration })).code).toBe(0);
    const none = await cli(['config', 'validate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no config files/);
  }, 60_000);
});

describe('switchboard config show', () => {
  test('prints the merged config with defaults, secrets from files and env redacted, loadable again', async ({
    dir,
  }) => {
    await dir.write('bot-token', 'discord-file-secret-1234\n');
    const file = await dir.write(
      'config.yaml',
      `communications:
  team:
    discord:
      enabled: true
      token: {fromFile: bot-token}
      botID: "42"
      channels: {ops: {id: "43"}}
    webhook:
      enabled: true
      url: {fromEnv: HOOK_URL}
`,
    );
    const override = await dir.write('override.yaml', 'settings:\n  clusterName: from-second-file\n');
    const env = {
      HOOK_URL: 'https://hooks.example/env-secret-5678',
      SWITCHBOARD_SETTINGS_LOG_LEVEL: 'debug',
    };
    const result = await cli(['config', 'show', '-c', file, '-c', override], env);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('file-secret');
    expect(result.stdout).not.toContain('env-secret');
    expect(result.stderr).not.toContain('secret-');
    const shown = parse(result.stdout);
    expect(shown).toMatchObject({
      communications: {
        team: { discord: { token: '[redacted]', botID: '42' }, webhook: { url: '[redacted]' } },
      },
      settings: {
        clusterName: 'from-second-file',
        log: { level: 'debug', formatter: 'text' },
        healthPort: 2114,
      },
      plugins: { runtime: { callDeadline: '30s', autoMtls: true }, healthCheckInterval: '10s' },
    });

    // The printed config is itself a valid config.
    const again = await dir.write('shown.yaml', result.stdout);
    expect((await cli(['config', 'validate', '-c', again])).code).toBe(0);

    const json = await cli(['config', 'show', '-c', file, '--json'], env);
    expect(JSON.parse(json.stdout).communications.team.discord.token).toBe('[redacted]');
    expect(json.stdout).not.toContain('secret-');
  }, 60_000);

  test('prints nothing on stdout and the errors on stderr when the config is invalid', async ({ dir }) => {
    const file = await dir.write(
      'config.yaml',
      'communications:\n  team:\n    webhook: {enabled: true, bindings: {sources: [x]}}\n',
    );
    const result = await cli(['config', 'show', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `error: ${file}:3:5: communications.team.webhook.url: url is required when the platform is enabled`,
    );
    expect(result.stderr).toContain('binds source group "x", which is not defined under sources');
  });
});
