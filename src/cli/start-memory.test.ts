import { getHeapSpaceStatistics } from 'node:v8';
import { expect, it } from 'vitest';
import { releaseStartMemory } from './start-memory.js';

const MiB = 2 ** 20;
const youngGeneration = () =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

it('gives back the young generation that surviving allocations grew, and the event loop runs on', async () => {
  // Objects that survive scavenges grow the young generation, as start-up does.
  let kept: { i: number }[][] = [];
  for (let round = 0; round < 200 && youngGeneration() < 8 * MiB; round++) {
    kept.push(Array.from({ length: 50_000 }, (_, i) => ({ i })));
  }
  kept = [];
  const grown = youngGeneration();
  expect(grown).toBeGreaterThanOrEqual(8 * MiB);

  expect(await releaseStartMemory()).toBe(true);

  expect(youngGeneration()).toBeLessThanOrEqual(grown / 4);
  expect(kept).toEqual([]);
  // Disconnecting the session at the wrong moment stops timers from ever firing again.
  await new Promise((resolve) => setTimeout(resolve, 20));
});
