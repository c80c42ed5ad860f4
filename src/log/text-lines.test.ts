import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRootLogger } from './logger.js';
import { formatLogLine, textLineStream } from './text-lines.js';

describe('text log lines', () => {
  it('puts time, level, component and message first, then key=value pairs', () => {
    const line = formatLogLine(
      JSON.stringify({
        level: 40,
        time: '2026-11-22T00:40:04.123Z',
        component: 'agent',
        msg: 'plugin failed',
        plugin: 'switchboard/exec',
        err: 'exit status 1: no such file',
        restarts: 2,
      }),
      false,
    );
    expect(line).toBe(
      '2026-11-22T00:40:04Z WARN  agent: plugin failed plugin=switchboard/exec err="exit status 1: no such file" restarts=2',
    );
  });

  it('colours the level only when asked, and passes non-JSON through', () => {
    expect(formatLogLine('{"level":50,"msg":"x"}', true)).toContain('\u001b[31mERROR');
    expect(formatLogLine('{"level":50,"msg":"x"}', false)).not.toContain('\u001b');
    expect(formatLogLine('not json', false)).toBe('not json');
  });

  it('works as a pino destination, splitting chunks at newlines and keeping redaction', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    const stream = textLineStream(sink, false);
    const logger = createRootLogger({ destination: stream });
    logger.child({ component: 'slack' }).info({ botToken: 'xoxb-secret', channel: 'C1' }, 'connected');
    logger.info('second');
    await new Promise<void>((resolve) => stream.end(resolve));
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/INFO {2}slack: connected botToken=\[redacted\] channel=C1$/);
    expect(text).not.toContain('xoxb-secret');
  });
});
