import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logDestination } from './log-destination.js';
import { createRootLogger } from './logger.js';

/** A Writable that holds every chunk until released, as a stalled pipe reader would. */
function stalledSink() {
  const written: string[] = [];
  const held: (() => void)[] = [];
  let stalled = true;
  const stream = new Writable({
    write(chunk, _enc, done) {
      written.push(String(chunk));
      if (stalled) held.push(done);
      else done();
    },
  });
  return {
    stream,
    written,
    release() {
      stalled = false;
      for (const done of held.splice(0)) done();
    },
  };
}

describe('log destination', () => {
  it('writes every text line through pino’s own asynchronous file destination', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-log-'));
    try {
      const file = join(dir, 'agent.log');
      const target = pino.destination({ dest: file, sync: false });
      const logger = createRootLogger({ destination: target, format: 'text', level: 'debug' });
      for (let i = 1; i <= 10_000; i++) logger.child({ component: 'audit' }).debug({ i }, 'line');
      // SonicBoom's flush() answers at once without minLength; `close` follows the last write.
      await new Promise<void>((resolve) => {
        target.once('close', () => resolve());
        target.end();
      });
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(10_000);
      expect(lines[0]).toMatch(/DEBUG audit: line i=1$/);
      expect(lines[9_999]).toMatch(/DEBUG audit: line i=10000$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps redaction and splits chunks at newlines', () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    const logger = createRootLogger({ destination: sink, format: 'text' });
    logger.child({ component: 'slack' }).info({ botToken: 'xoxb-secret', channel: 'C1' }, 'connected');
    logger.info('second');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/INFO {2}slack: connected botToken=\[redacted\] channel=C1$/);
    expect(text).not.toContain('xoxb-secret');
  });

  it('drops lines past the buffer bound, counts them and says so once the target has room', async () => {
    const sink = stalledSink();
    const destination = logDestination({
      target: sink.stream,
      format: 'json',
      maxBufferedBytes: 4096,
      noticeIntervalMs: 0,
    });
    const line = (i: number) => `${JSON.stringify({ level: 30, msg: 'x'.repeat(80), i })}\n`;
    for (let i = 0; i < 1000; i++) destination.write(line(i));
    // Only about 4 KiB is held; the rest was refused rather than queued.
    expect(sink.stream.writableLength).toBeLessThanOrEqual(4096);
    const { lines: dropped, bytes } = destination.dropped();
    expect(dropped).toBeGreaterThan(900);
    expect(bytes).toBeGreaterThanOrEqual(dropped * line(0).length);

    sink.release();
    destination.write(line(1000));
    const records = sink.written.flatMap((c) => c.trim().split('\n')).map((l) => JSON.parse(l));
    const notice = records.find((r) => r.component === 'log');
    expect(notice).toMatchObject({ level: 40, droppedLines: dropped, droppedBytes: bytes });
    const kept = records.filter((r) => r.component !== 'log');
    expect(kept.length + dropped).toBe(1001);
    expect(kept.at(-1)?.i).toBe(1000);
  });

  it('reports the drops of a burst that no further line follows, on a timer', async () => {
    const sink = stalledSink();
    const destination = logDestination({
      target: sink.stream,
      format: 'text',
      maxBufferedBytes: 1024,
      noticeIntervalMs: 20,
    });
    for (let i = 0; i < 500; i++) destination.write(`${JSON.stringify({ level: 30, msg: `m${i}` })}\n`);
    sink.release();
    await expect
      .poll(() => sink.written.join(''), { timeout: 10_000 })
      .toMatch(/WARN {2}log: log lines dropped: the log destination did not keep up droppedLines=\d+/);
  });
});
