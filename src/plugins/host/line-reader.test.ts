import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineTail, readLines } from './line-reader.js';

describe('readLines', () => {
  it('splits chunks into lines, strips CR, flushes the last partial line', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    const ended = new Promise<void>((resolve) => readLines(stream, (l) => lines.push(l), resolve));
    stream.write('one\r\ntw');
    stream.write('o\nthree');
    stream.end();
    await ended;
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('cuts a line that never ends into bounded pieces', async () => {
    const stream = new PassThrough();
    const lengths: number[] = [];
    const ended = new Promise<void>((resolve) => readLines(stream, (l) => lengths.push(l.length), resolve));
    stream.end('x'.repeat(150 * 1024));
    await ended;
    expect(lengths).toEqual([65536, 65536, 22528]);
  });
});

describe('LineTail', () => {
  it('keeps the last lines, each cut to the width', () => {
    const tail = new LineTail(2, 5);
    for (const line of ['a', 'b', 'abcdefgh']) tail.push(line);
    expect(tail.lines()).toEqual(['b', 'abcde…']);
    expect(tail.describe()).toBe('; last stderr lines:\n  b\n  abcde…');
  });

  it('keeps the first panic line even when a long stack pushes it out', () => {
    const tail = new LineTail(3);
    tail.push('panic: runtime error: index out of range');
    for (let i = 0; i < 10; i++) tail.push(`\tframe ${i}`);
    expect(tail.lines()).toEqual([
      'panic: runtime error: index out of range',
      '…',
      '\tframe 7',
      '\tframe 8',
      '\tframe 9',
    ]);
  });
});
