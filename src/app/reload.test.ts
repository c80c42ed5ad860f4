import { describe, expect, it } from 'vitest';
import { SerialRunner, streamId } from './reload.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SerialRunner', () => {
  it('runs tasks one at a time in arrival order, and a failed one does not stop the next', async () => {
    const serial = new SerialRunner();
    const log: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const first = serial.run(
      () =>
        new Promise<string>((resolve) => {
          log.push('first started');
          releaseFirst = () => resolve('first');
        }),
    );
    const failing = serial.run(async () => {
      log.push('failing started');
      throw new Error('boom');
    });
    const last = serial.run(async () => {
      log.push('last started');
      return 'last';
    });
    await tick();
    expect(log).toEqual(['first started']);
    releaseFirst();
    await expect(first).resolves.toBe('first');
    await expect(failing).rejects.toThrow('boom');
    await expect(last).resolves.toBe('last');
    expect(log).toEqual(['first started', 'failing started', 'last started']);
  });

  it('holds later tasks until work already under way settles, even when it fails', async () => {
    const serial = new SerialRunner();
    let failStart: (err: Error) => void = () => undefined;
    const starting = new Promise<void>((_resolve, reject) => {
      failStart = reject;
    });
    starting.catch(() => undefined);
    serial.hold(starting);
    let ran = false;
    const queued = serial.run(async () => {
      ran = true;
    });
    await tick();
    expect(ran).toBe(false);
    failStart(new Error('start failed'));
    await queued;
    expect(ran).toBe(true);
  });
});

describe('streamId', () => {
  it('tells streams of the same group and plugin apart by their config', () => {
    const a = streamId('g', 'repo/p', new TextEncoder().encode('x: 1'));
    expect(a).toBe(streamId('g', 'repo/p', new TextEncoder().encode('x: 1')));
    expect(a).not.toBe(streamId('g', 'repo/p', new TextEncoder().encode('x: 2')));
  });
});
