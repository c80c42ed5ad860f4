import { describe, expect, it } from 'vitest';
import { echo } from './echo.js';

describe('echo', () => {
  it('answers the text after the command word, in a code block with an "echo again" button', () => {
    expect(echo('echo hello  world', {})).toEqual({
      baseBody: { codeBlock: 'hello  world' },
      sections: [{ buttons: [{ name: 'Echo again', command: '{{BotName}} echo hello  world' }] }],
    });
  });

  it('applies prefix and upper case from config', () => {
    expect(echo('echo hi', { prefix: 'bot says: ', upperCase: true }).baseBody.codeBlock).toBe(
      'BOT SAYS: HI',
    );
  });

  it('answers usage when there is nothing to echo', () => {
    expect(echo('echo', {}).baseBody.plaintext).toMatch(/^echo <text>/);
  });
});
