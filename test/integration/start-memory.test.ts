import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

/**
 * Grows the young generation as start-up does (objects that survive scavenges), runs
 * releaseStartMemory from dist/ (as `switchboard start` does), then needs a timer to fire before
 * it reports. In a child process: a stuck event loop (the session disconnected at the wrong
 * moment) must fail the test by its timeout, not hang the test worker.
 */
const program = (moduleUrl: string) => `
import { getHeapSpaceStatistics } from 'node:v8';
const { releaseStartMemory } = await import(${JSON.stringify(moduleUrl)});
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let kept = [];
for (let round = 0; round < 200 && young() < 8 * 2 ** 20; round++) {
  kept.push(Array.from({ length: 50_000 }, (_, i) => ({ i })));
}
kept = undefined;
const grown = young();
const released = await releaseStartMemory();
const after = young();
await new Promise((resolve) => setTimeout(resolve, 20));
process.stdout.write(JSON.stringify({ grown, released, after }));
`;

it('gives back the young generation that surviving allocations grew, and the event loop runs on', async () => {
  const moduleUrl = pathToFileURL(join(repoRoot, 'dist/cli/start-memory.js')).href;

  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', program(moduleUrl)],
    { timeout: 20_000 },
  );

  const { grown, released, after } = JSON.parse(stdout) as {
    grown: number;
    released: boolean;
    after: number;
  };
  expect(grown).toBeGreaterThanOrEqual(8 * 2 ** 20);
  expect(released).toBe(true);
  expect(after).toBeLessThanOrEqual(grown / 4);
});
