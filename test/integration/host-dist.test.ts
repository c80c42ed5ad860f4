import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../support/build-fixtures.js';

/**
 * The host as shipped: dist/ in plain Node, not through vitest's module transform. Protobuf
 * messages behave differently there: a plain object passed where a message made with
 * create() is needed serialized under vitest but failed every health check in production
 * (each plugin was restarted every 20 s). This runs the health check the way the agent does.
 */
describe('plugin host from dist/ in plain Node', () => {
  it('answers health checks of a TypeScript and a Go plugin', async () => {
    const go = inject('goFixtures');
    if ('error' in go) throw new Error(go.error);
    const script = `
      const { launchPlugin } = await import(${JSON.stringify(join(repoRoot, 'dist/plugins/host/plugin-instance.js'))});
      const { createRootLogger } = await import(${JSON.stringify(join(repoRoot, 'dist/log/logger.js'))});
      const results = [];
      for (const binary of process.argv.slice(1)) {
        const plugin = await launchPlugin({ name: 'probe', binary, autoMtls: true, envExtra: {}, startTimeoutMs: 10000,
          logger: createRootLogger({ level: 'silent' }) });
        try { await plugin.ping({ deadlineMs: 5000 }); results.push('ok'); } catch (err) { results.push(err.message); }
        await plugin.stop();
      }
      console.log(JSON.stringify(results));
      process.exit(0);
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        script,
        join(repoRoot, '.cache/fixtures/executor-fixture.mjs'),
        join(go.dir, 'executor_goecho'),
      ],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim())).toEqual(['ok', 'ok']);
  }, 90_000);
});
