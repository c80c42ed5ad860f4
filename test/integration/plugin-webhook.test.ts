import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEvent } from '../../src/contract/event.js';
import { builtinPlugin, gohost, pluginLauncher, sourceContext } from '../support/builtin-plugins.js';

const plugins = pluginLauncher();
afterEach(() => plugins.stopAll());

const bytes = (s: string) => new TextEncoder().encode(s);
const push = JSON.stringify({
  ref: 'refs/heads/main',
  compare: 'https://github.com/acme/shop/compare/a...b',
  pusher: { name: 'ada' },
  repository: { full_name: 'acme/shop' },
  commits: [{ id: '1111111aaaa', message: 'Fix checkout', author: { name: 'Ada' } }],
});
const secret = "It's a Secret to Everybody";
const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
/** What the agent passes for a source whose metadata asks for the envelope (see plugins/webhook/envelope.ts). */
const envelope = (body: string, headers: Record<string, string>) =>
  JSON.stringify({ envelope: 'switchboard.http-request.v1', headers, body });

async function post(payload: string, config = '') {
  const { client } = await plugins.source('source/webhook');
  return parseEvent(
    await client.handleExternalRequest({
      payload: bytes(payload),
      config: bytes(config),
      context: sourceContext,
    }),
  );
}

describe('webhook plugin under the Switchboard host', () => {
  it('renders a bare GitHub push body (no signature configured) with the ready template', async () => {
    const event = await post(push);
    expect(event.message.sections?.[0]).toMatchObject({
      header: 'acme/shop: ada pushed to main',
      bulletLists: [{ title: 'Commits', items: ['1111111 Fix checkout (Ada)'] }],
      buttons: [{ name: 'Compare changes', url: 'https://github.com/acme/shop/compare/a...b' }],
    });
    expect(event.rawObject).toEqual(JSON.parse(push));
    expect(event.analyticsLabels).toEqual({ template: 'github-push' });
  });

  it('accepts a request whose signature matches, and picks the template from the event header', async () => {
    const ping = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
    const event = await post(
      envelope(ping, { 'x-github-event': 'ping', 'x-hub-signature-256': sign(ping) }),
      `signature: { secret: "${secret}" }\n`,
    );
    expect(event.message.sections?.[0]?.header).toBe('Incoming webhook');
    expect(event.rawObject).toEqual({ zen: 'Design for failure.', hook_id: 1 });
  });

  it('refuses a bad signature, a bare body when a secret is set, and a body that is not JSON', async () => {
    const config = `signature: { secret: "${secret}" }\n`;
    await expect(
      post(envelope(push, { 'x-hub-signature-256': sign(push, 'guess') }), config),
    ).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_CALL',
      message: expect.stringContaining('the x-hub-signature-256 header does not match'),
      details: { grpcCode: 16 },
    });
    const tampered = push.replace('ada', 'eve');
    await expect(
      post(envelope(tampered, { 'x-hub-signature-256': sign(push) }), config),
    ).rejects.toMatchObject({
      details: { grpcCode: 16 },
    });
    await expect(post(push, config)).rejects.toMatchObject({
      message: expect.stringContaining('the host passed the body without its headers'),
      details: { grpcCode: 16 },
    });
    await expect(post('<xml/>')).rejects.toMatchObject({
      message: expect.stringContaining('the body is not JSON'),
      details: { grpcCode: 3 },
    });
  });

  it('checks a GitLab token and renders a pipeline', async () => {
    const body = JSON.stringify({
      object_kind: 'pipeline',
      object_attributes: { id: 7, status: 'success', ref: 'main' },
      project: { path_with_namespace: 'acme/api' },
    });
    const config = 'signature: { secret: tok, scheme: token }\n';
    const event = await post(
      envelope(body, { 'x-gitlab-token': 'tok', 'x-gitlab-event': 'Pipeline Hook' }),
      config,
    );
    expect(event.message.sections?.[0]?.header).toBe('acme/api: pipeline #7 success');
    await expect(post(envelope(body, { 'x-gitlab-token': 'nope' }), config)).rejects.toMatchObject({
      details: { grpcCode: 16 },
    });
  });

  it('renders a custom template from config', async () => {
    const config = [
      'template:',
      '  title: "Deployed {{ .service }} {{ .version }}"',
      '  fields: [{ key: Environment, value: "{{ .env | upper }}" }]',
      '  links: [{ name: Logs, url: "{{ .logs }}" }]',
      '',
    ].join('\n');
    const event = await post(
      '{"service":"shop","version":"1.4.2","env":"prod","logs":"https://logs.example/1"}',
      config,
    );
    expect(event.message.sections).toEqual([
      {
        header: 'Deployed shop 1.4.2',
        textFields: [{ key: 'Environment', value: 'PROD' }],
        buttons: [{ name: 'Logs', url: 'https://logs.example/1' }],
      },
    ]);
  });

  it('publishes the envelope schema as its payload schema (its $id asks hosts for headers)', async () => {
    const { client } = await plugins.source('source/webhook');
    const metadata = await client.metadata();
    expect(JSON.parse(metadata.externalRequest?.payloadJsonSchema?.value ?? '{}')).toMatchObject({
      $id: 'https://switchboard.dev/schemas/http-request-envelope/v1.json',
    });
  });
});

describe("webhook plugin under go-plugin's client (gohost)", () => {
  it('renders a signed request and refuses a badly signed one', async () => {
    const binary = builtinPlugin('source/webhook');
    const config = `signature: { secret: "${secret}" }\n`;
    const good = (await gohost([
      '-type',
      'source',
      '-config',
      config,
      binary,
      'webhook',
      envelope(push, { 'x-hub-signature-256': sign(push) }),
    ])) as { Message: { sections: { header: string }[] } };
    expect(good.Message.sections[0]?.header).toBe('acme/shop: ada pushed to main');
    await expect(
      gohost([
        '-type',
        'source',
        '-config',
        config,
        binary,
        'webhook',
        envelope(push, { 'x-hub-signature-256': 'sha256=00' }),
      ]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('does not match') });
  });
});
