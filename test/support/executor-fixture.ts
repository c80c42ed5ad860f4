import { inject } from 'vitest';
import { PluginSupervisor } from '../../src/plugins/host/supervisor.js';
import { createTestLogger } from './test-logger.js';

/**
 * Starts the TypeScript executor fixture (test/fixtures/plugins/executor-fixture.ts, bundled by
 * the global setup) as `local/fixture` under a supervisor, without health checks. Stop it in
 * afterAll.
 */
export async function startExecutorFixture(): Promise<PluginSupervisor> {
  const supervisor = new PluginSupervisor({
    launch: {
      name: 'local/fixture',
      binary: inject('tsFixtures')['executor-fixture'] as string,
      autoMtls: false,
    },
    logger: createTestLogger('silent').logger,
    healthCheckIntervalMs: 0,
  });
  await supervisor.start();
  return supervisor;
}
