import { describe, expect, it } from 'vitest';
import { cleanUserName, readModalTrigger, toConsoleCommand } from './inbound.js';
import { consoleUrl, isLoopbackAddress } from './listen-address.js';

describe('console commands and addresses', () => {
  const context = {
    botId: 'g/console',
    mention: '@Switchboard',
    mentionPattern: /@Switchboard(?![\w.-])/i,
    user: 'ada',
    connection: 'c7',
    receivedAt: 1_700_000_000_000,
    messageId: 'm12',
  };

  it('appends interaction values as Botkube does and shows the command without the mention', () => {
    const select = toConsoleCommand(
      { type: 'command', channel: 'ops', text: '{{BotName}} kubectl get', origin: 'select', value: 'pods' },
      context,
    );
    expect(select.inbound.text).toBe('@Switchboard kubectl get pods');
    expect(select.shown).toBe('kubectl get pods');
    const multi = toConsoleCommand(
      { type: 'command', channel: 'ops', text: 'x', origin: 'multi-select', value: ['a', 'b'] },
      context,
    );
    expect(multi.inbound.text).toBe('x a,b');
    const typed = toConsoleCommand(
      { type: 'command', channel: 'ops', text: '@switchboard: ping\r', origin: 'typed' },
      context,
    );
    expect(typed).toMatchObject({ inbound: { text: '@switchboard: ping' }, shown: 'ping' });
  });

  it('names the command’s own message as the thread to answer in, so answers can say which command they answer', () => {
    const typed = toConsoleCommand(
      { type: 'command', channel: 'ops', text: 'ping', origin: 'typed' },
      context,
    );
    expect(typed.inbound.threadId).toBe('m12');
  });

  it('gives clicks a modal trigger naming the connection and the frame, and typed commands none', () => {
    const click = toConsoleCommand(
      { type: 'command', channel: 'ops', text: 'fixture form', origin: 'button', ref: 'r/3' },
      context,
    );
    expect(click.inbound.modalTrigger).toEqual({ id: 'c7/r/3', receivedAt: 1_700_000_000_000 });
    expect(readModalTrigger('c7/r/3')).toEqual({ connection: 'c7', ref: 'r/3' });
    const unnamed = toConsoleCommand(
      { type: 'command', channel: 'ops', text: 'x', origin: 'text-input', value: 'v' },
      context,
    );
    expect(readModalTrigger(unnamed.inbound.modalTrigger?.id ?? '')).toEqual({ connection: 'c7' });
    const typed = toConsoleCommand(
      { type: 'command', channel: 'ops', text: 'fixture form', origin: 'typed' },
      context,
    );
    expect(typed.inbound.modalTrigger).toBeUndefined();
  });

  it('cleans user names', () => {
    expect(cleanUserName('ada.l@example-1', 'web')).toBe('ada.l@example-1');
    expect(cleanUserName('<img onerror=x>', 'web')).toBe('imgonerrorx');
    expect(cleanUserName('  ', 'web')).toBe('web');
    expect(cleanUserName('x'.repeat(80), 'web')).toHaveLength(40);
  });

  it('tells loopback addresses from reachable ones and builds the URL to open', () => {
    for (const a of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      '0:0:0:0:0:0:0:1',
    ]) {
      expect(isLoopbackAddress(a), a).toBe(true);
    }
    for (const a of ['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'example.com', 'localhost.example.com']) {
      expect(isLoopbackAddress(a), a).toBe(false);
    }
    expect(consoleUrl('0.0.0.0', 2116)).toBe('http://127.0.0.1:2116/');
    expect(consoleUrl('::', 80)).toBe('http://[::1]:80/');
    expect(consoleUrl('10.0.0.5', 2116)).toBe('http://10.0.0.5:2116/');
  });
});
