import { describe, expect, it } from 'vitest';
import { commandButton, type Message } from '../../contract/message.js';
import { checkRocketPayload } from './limits.js';
import { renderRocketMessage } from './render.js';

const reply = { botMention: '@switchboard', kind: 'reply' as const };

describe('renderRocketMessage', () => {
  it('writes Rocket.Chat markdown: single-star bold, fenced code', () => {
    const payload = renderRocketMessage(
      { baseBody: { codeBlock: 'NAME  READY\napi   1/1' }, sections: [{ header: 'Pods' }] },
      reply,
    );
    expect(payload).toEqual({ msg: '```\nNAME  READY\napi   1/1\n```\n\n*Pods*' });
  });

  it('turns command buttons into msg_in_chat_window actions and keeps link buttons in the text', () => {
    const message: Message = {
      baseBody: { plaintext: 'done' },
      sections: [
        {
          buttons: [
            commandButton('Logs', 'kubectl logs api', { style: 'primary' }),
            { name: 'Docs', url: 'https://example.com/docs' },
          ],
        },
      ],
    };
    const payload = renderRocketMessage(message, reply);
    expect(payload?.msg).toContain('[Docs](https://example.com/docs)');
    expect(payload?.msg).not.toContain('kubectl logs');
    expect(payload?.attachments).toEqual([
      {
        actions: [
          {
            type: 'button',
            text: 'Logs',
            msg: '@switchboard kubectl logs api',
            msg_in_chat_window: true,
            msg_processing_type: 'sendMessage',
          },
        ],
      },
    ]);
    expect(checkRocketPayload(payload)).toBeUndefined();
  });

  it('gives each select an attachment titled with its name and one button per option', () => {
    const payload = renderRocketMessage(
      {
        baseBody: {},
        sections: [
          {
            selects: {
              items: [
                {
                  name: 'Namespace',
                  command: '{{BotName}} kubectl get pods -n',
                  optionGroups: [
                    {
                      name: 'all',
                      options: [
                        { name: 'default', value: 'default' },
                        { name: 'kube', value: 'kube-system' },
                      ],
                    },
                  ],
                },
              ],
            },
          },
        ],
      },
      reply,
    );
    expect(payload?.msg).toBe('');
    expect(payload?.attachments?.[0]?.title).toBe('Namespace');
    expect(payload?.attachments?.[0]?.actions?.map((a) => [a.text, a.msg])).toEqual([
      ['default', '@switchboard kubectl get pods -n default'],
      ['kube', '@switchboard kubectl get pods -n kube-system'],
    ]);
  });

  it('renders event sections as coloured attachments with title and fields', () => {
    const payload = renderRocketMessage(
      {
        baseBody: { plaintext: 'From prod' },
        sections: [
          {
            header: 'Pod api-1 failed',
            description: 'Back-off restarting',
            textFields: [
              { key: 'Namespace', value: 'default' },
              { key: 'Reason', value: 'CrashLoopBackOff' },
            ],
          },
        ],
      },
      { botMention: '@switchboard', kind: 'event' },
    );
    expect(payload).toEqual({
      msg: 'From prod',
      attachments: [
        {
          color: '#1d74f5',
          title: 'Pod api-1 failed',
          text: 'Back-off restarting',
          fields: [
            { short: true, title: 'Namespace', value: 'default' },
            { short: true, title: 'Reason', value: 'CrashLoopBackOff' },
          ],
        },
      ],
    });
  });

  it('sends nothing for skipMessage and flags text over the limit', () => {
    expect(renderRocketMessage({ type: 'skipMessage', baseBody: { plaintext: 'x' } }, reply)).toBeUndefined();
    const long = renderRocketMessage({ baseBody: { plaintext: 'x'.repeat(5001) } }, reply);
    expect(checkRocketPayload(long)).toMatch(/^msg: /);
  });
});
