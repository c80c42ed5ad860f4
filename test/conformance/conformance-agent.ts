import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, createAgent, type PlatformContext } from '../../src/app/agent.js';
import type { PlatformInstance } from '../../src/app/topology.js';
import type { Bot } from '../../src/bots/bot.js';
import { loadConfig } from '../../src/config/load.js';
import type { Logger } from '../../src/log/logger.js';
import { publishBuiltins } from '../support/agent-harness.js';
import { repoRoot } from '../support/build-fixtures.js';
import { publishExecutorFixture } from '../support/console-harness.js';
import { createTestLogger } from '../support/test-logger.js';

export interface ConformanceAgent {
  agent: Agent;
  operationsUrl: string;
  lines: Record<string, unknown>[];
}

/**
 * The executors every platform is tested with, bound as group `tools`: echo, exec (`exec lines N`
 * prints `line 1` … `line N`) and the executor fixture (`fixture stream COUNT DELAY_MS`).
 */
const executors = `
executors:
  tools:
    sb/echo: {enabled: true}
    sb/exec:
      enabled: true
      config:
        commands:
          lines: {path: "${join(repoRoot, 'test/fixtures/exec/lines.sh')}", args: ["[0-9]{1,6}"]}
        maxOutputBytes: 400000
    fx/fixture: {enabled: true}
settings:
  clusterName: conformance
`;

/**
 * Starts an agent whose only platform is described by `communications` (YAML, under
 * `communications:`), built by `createPlatform`, with the shared executors and the built-in and
 * fixture repositories. It logs at debug level into memory, so that the no-secrets check sees
 * everything the agent would write.
 */
export async function startConformanceAgent(options: {
  communications: string;
  createPlatform: (instance: PlatformInstance, context: PlatformContext, logger: Logger) => Bot | undefined;
}): Promise<ConformanceAgent> {
  const [sb, fx] = await Promise.all([publishBuiltins(), publishExecutorFixture()]);
  const dir = await mkdtemp(join(tmpdir(), 'sb-conformance-'));
  const file = join(dir, 'config.yaml');
  await writeFile(
    file,
    `communications:
${options.communications}
${executors}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${sb}/index.yaml"}
    fx: {url: "file://${fx}/index.yaml"}
`,
  );
  const { config } = await loadConfig({ files: [file] });
  const { logger, lines } = createTestLogger('debug');
  const agent = createAgent(config, {
    logger,
    version: '0.1.0-test',
    stateDir: join(dir, 'state'),
    createPlatform: (instance, context) => options.createPlatform(instance, context, logger),
    ports: { operations: 0, webhooks: 0 },
  });
  try {
    const urls = await agent.start();
    return { agent, operationsUrl: urls.operationsUrl, lines };
  } catch (err) {
    await agent.stop();
    throw err;
  }
}
