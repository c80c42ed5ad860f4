import { execFileSync } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, formatIssue, loadConfig, redactConfig, Secret } from '../../src/config/index.js';
import { maxSecretFileBytes } from '../../src/config/secret-file.js';
import { test } from '../support/temp-dir.js';

const config = `communications:
  team:
    socketSlack:
      enabled: true
      botToken: {fromFile: secrets/bot-token}
      appToken: {fromEnv: SLACK_APP_TOKEN}
      channels: {ops: {name: ops}}
    webhook:
      enabled: true
      url: {fromFile: SECRET_DIR/webhook-url}
      headers:
        X-Api-Key: {fromEnv: HOOK_KEY}
plugins:
  incomingWebhook:
    auth:
      pods: {type: hmac, secret: {fromEnv: HOOK_HMAC}}
  runtime:
    env:
      extra: {GITHUB_TOKEN: inline-github-token}
sources:
  pods:
    botkube/kubernetes: {enabled: true}
`;

const env = { SLACK_APP_TOKEN: 'xapp-from-env', HOOK_KEY: 'key-from-env', HOOK_HMAC: 'hmac-from-env' };
const secrets = [
  'xoxb-from-file',
  'xapp-from-env',
  'https://hooks.example/T0/B0/abc',
  'key-from-env',
  'hmac-from-env',
];

describe('secrets from files and the environment', () => {
  test('are read at load time, relative to the config file, one trailing newline dropped', async ({
    dir,
  }) => {
    await dir.write('conf/secrets/bot-token', 'xoxb-from-file\n');
    const url = await dir.write('elsewhere/webhook-url', 'https://hooks.example/T0/B0/abc');
    const file = await dir.write('conf/config.yaml', config.replace('SECRET_DIR/webhook-url', url));

    const { config: loaded } = await loadConfig({ files: [file], env });

    const team = loaded.communications.team;
    expect(team?.socketSlack?.botToken.reveal()).toBe('xoxb-from-file');
    expect(team?.socketSlack?.botToken.source).toEqual({
      kind: 'file',
      path: `${dir.path}/conf/secrets/bot-token`,
    });
    expect(team?.socketSlack?.appToken.reveal()).toBe('xapp-from-env');
    expect(team?.webhook?.url.reveal()).toBe('https://hooks.example/T0/B0/abc');
    expect(team?.webhook?.headers['X-Api-Key']?.reveal()).toBe('key-from-env');
    const auth = loaded.plugins.incomingWebhook.auth.pods;
    expect(auth?.type === 'hmac' && auth.secret.reveal()).toBe('hmac-from-env');
    expect(auth).toMatchObject({ header: 'X-Hub-Signature-256' });
    expect(loaded.plugins.runtime.env.extra.GITHUB_TOKEN).toBeInstanceOf(Secret);
  });

  test('never appear when the config is printed, logged or stringified', async ({ dir }) => {
    await dir.write('secrets/bot-token', 'xoxb-from-file\n');
    const url = await dir.write('webhook-url', 'https://hooks.example/T0/B0/abc\n');
    const file = await dir.write('config.yaml', config.replace('SECRET_DIR/webhook-url', url));
    const { config: loaded } = await loadConfig({ files: [file], env });

    const outputs = [
      stringify(redactConfig(loaded)),
      JSON.stringify(loaded),
      inspect(loaded, { depth: null }),
      String(loaded.communications.team?.socketSlack?.botToken),
    ];
    for (const output of outputs) {
      for (const secret of [...secrets, 'inline-github-token']) expect(output).not.toContain(secret);
    }
    expect(outputs[0]).toContain('botToken: "[redacted]"');
  });

  test('an empty secret file counts as missing for an enabled platform', async ({ dir }) => {
    await dir.write('secrets/bot-token', '\n');
    const file = await dir.write(
      'config.yaml',
      config
        .replace('url: {fromFile: SECRET_DIR/webhook-url}', 'url: https://x')
        .replace(/ {4}webhook:[\s\S]*?plugins:/, 'plugins:'),
    );
    const failure = await loadConfig({ files: [file], env }).then(
      () => new ConfigError([]),
      (err: unknown) => err as ConfigError,
    );
    expect(failure.issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /config\.yaml:5:17: communications\.team\.socketSlack\.botToken: botToken is required when the platform is enabled, but its from file .*secrets\/bot-token is empty/,
      ),
    ]);
  });
});

describe('secret files that are not small regular files', () => {
  const withToken = (path: string) => `communications:
  team:
    socketSlack:
      enabled: true
      botToken: {fromFile: ${path}}
      appToken: xapp-inline
      channels: {ops: {name: ops}}
`;
  const failureOf = (file: string) =>
    loadConfig({ files: [file], env: {} }).then(
      () => {
        throw new Error('the config loaded');
      },
      (err: unknown) => err as ConfigError,
    );
  const where = 'communications.team.socketSlack.botToken';

  test('/dev/zero is refused at once as a device, naming the file and the field', async ({ dir }) => {
    const file = await dir.write('config.yaml', withToken('/dev/zero'));
    const failure = await failureOf(file);
    expect(failure.issues.map(formatIssue)).toEqual([
      `${file}:5:17: ${where}: cannot read secret file /dev/zero: it is a character device; a secret must be a regular file`,
    ]);
  });

  test('a FIFO with no writer is refused instead of hanging the load', async ({ dir }) => {
    const fifo = join(dir.path, 'token.fifo');
    execFileSync('mkfifo', [fifo]);
    const file = await dir.write('config.yaml', withToken(fifo));
    const failure = await failureOf(file);
    expect(failure.issues.map(formatIssue)).toEqual([
      `${file}:5:17: ${where}: cannot read secret file ${fifo}: it is a named pipe (FIFO); a secret must be a regular file`,
    ]);
  });

  test('a directory is refused', async ({ dir }) => {
    await mkdir(join(dir.path, 'secrets'));
    const file = await dir.write('config.yaml', withToken('secrets'));
    const failure = await failureOf(file);
    expect(failure.issues.map(formatIssue)).toEqual([
      `${file}:5:17: ${where}: cannot read secret file ${dir.path}/secrets: it is a directory; a secret must be a regular file`,
    ]);
  });

  test('a file over 64 KiB is refused with the limit; one of exactly 64 KiB is read', async ({ dir }) => {
    await dir.write('big', `xoxb-${'a'.repeat(maxSecretFileBytes - 4)}`);
    const file = await dir.write('config.yaml', withToken('big'));
    const failure = await failureOf(file);
    expect(failure.issues.map(formatIssue)).toEqual([
      `${file}:5:17: ${where}: cannot read secret file ${dir.path}/big: it is larger than the 64 KiB limit for secret files (a secret file holds one token, password or URL)`,
    ]);

    await dir.write('big', `xoxb-${'a'.repeat(maxSecretFileBytes - 5)}`);
    const { config: loaded } = await loadConfig({ files: [file], env: {} });
    expect(loaded.communications.team?.socketSlack?.botToken.reveal()).toHaveLength(maxSecretFileBytes);
  });

  test('a symlink to a regular file is followed (Kubernetes Secret mounts are symlinks)', async ({ dir }) => {
    await dir.write('..2026_01_01/bot-token', 'xoxb-mounted\n');
    await symlink('..2026_01_01', join(dir.path, '..data'));
    await symlink('..data/bot-token', join(dir.path, 'bot-token'));
    const file = await dir.write('config.yaml', withToken('bot-token'));
    const { config: loaded } = await loadConfig({ files: [file], env: {} });
    expect(loaded.communications.team?.socketSlack?.botToken.reveal()).toBe('xoxb-mounted');
  });

  test('a unix socket is refused', async ({ dir }) => {
    const socket = join(dir.path, 'token.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const file = await dir.write('config.yaml', withToken(socket));
      const failure = await failureOf(file);
      expect(failure.issues.map(formatIssue)).toEqual([
        `${file}:5:17: ${where}: cannot read secret file ${socket}: it is a socket; a secret must be a regular file`,
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a symlink to a device is refused like the device', async ({ dir }) => {
    await symlink('/dev/zero', join(dir.path, 'bot-token'));
    const file = await dir.write('config.yaml', withToken('bot-token'));
    const failure = await failureOf(file);
    expect(failure.issues.map(formatIssue)).toEqual([
      `${file}:5:17: ${where}: cannot read secret file ${dir.path}/bot-token: it is a character device; a secret must be a regular file`,
    ]);
  });
});
