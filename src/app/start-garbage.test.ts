import { afterEach, describe, expect, it } from 'vitest';
import { createTestLogger, waitFor } from '../../test/support/test-logger.js';
import { releaseStartGarbage, scheduleStartGarbageRelease } from './start-garbage.js';

/** Objects that survive several scavenges, as start-up's modules and config do: V8 grows the young generation for them. */
function growYoungGeneration(): unknown[] {
  const kept: unknown[] = [];
  for (let i = 0; i < 400_000; i++) kept.push({ i, text: `item ${i}`, list: [i, i + 1] });
  return kept;
}

const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('start-up garbage release', () => {
  it('shrinks the young generation and the heap with one collection, without a warning', () => {
    process.on('warning', onWarning);
    const emitWarning = process.emitWarning;
    let kept: unknown[] | undefined = growYoungGeneration();
    expect(kept.length).toBe(400_000);
    kept = undefined;
    const released = releaseStartGarbage();
    expect(released).toBeDefined();
    if (!released) return;
    expect(released.youngAfter).toBeLessThan(released.youngBefore);
    expect(released.heapAfter).toBeLessThan(released.heapBefore);
    // Node's experimental-feature warning for the API is dropped, and only that one.
    expect(process.emitWarning).toBe(emitWarning);
    process.emitWarning('still reported', 'TestWarning');
    return waitFor(() => warnings.length > 0, 2_000, 'the test warning').then(() => {
      expect(warnings).toEqual(['TestWarning: still reported']);
    });
  });

  it('runs once after the delay and logs what it gave back; cancelled, it never runs', async () => {
    const { logger, lines } = createTestLogger('debug');
    const cancel = scheduleStartGarbageRelease(logger, 10_000);
    cancel();
    scheduleStartGarbageRelease(logger, 20);
    await waitFor(() => lines.length > 0, 10_000, 'the release log line');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'start-up garbage released',
      ms: expect.any(Number),
      heapMiB: [expect.any(Number), expect.any(Number)],
      youngMiB: [expect.any(Number), expect.any(Number)],
    });
  });
});
