import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createExecutorClient } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin } from '../../src/plugins/host/plugin-instance.js';
import { bundlePluginProgram } from '../../src/plugins/publish/build-plugins.js';
import { warmUpCalls } from '../../src/plugins/publish/code-cache.js';
import { packProgram, unpackProgram } from '../../src/plugins/publish/program-pack.js';
import { methodPaths } from '../../src/sdk/serve/routes.js';
import { repoRoot } from '../support/build-fixtures.js';
import { executeCall, messageText } from '../support/builtin-plugins.js';
import { test } from '../support/temp-dir.js';
import { createTestLogger } from '../support/test-logger.js';

/*
 * The V8 code cache `plugin build` ships inside a Node plugin program (program-pack.ts): made at
 * build time, the same bytes on every build, used when the same Node runs the plugin, and
 * rejected harmlessly (compiled as usual, one debug line) when another Node or other V8 flags do.
 */

const rejectedMessage = 'V8 code cache rejected; compiled the plugin code instead';
let scratch: string;
let program: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sb-code-cache-'));
  program = await bundlePluginProgram(
    join(repoRoot, 'plugins/echo/main.ts'),
    repoRoot,
    join(scratch, 'echo.mjs'),
    'executor echo',
  );
}, 60_000);
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Installs `text` under a cache name, runs it through the host, executes one command. */
async function runThroughHost(dir: string, text: string, envExtra: Record<string, string> = {}) {
  const binary = join(dir, 'executor_v1.0.0_echo');
  await writeFile(binary, text, { mode: 0o755 });
  const { logger, lines } = createTestLogger();
  const instance = await launchPlugin({
    name: 'repo/echo',
    binary,
    logger,
    hostEnv: { PATH: process.env.PATH },
    envExtra,
  });
  try {
    const answer = await createExecutorClient(instanceHandle(instance)).execute(executeCall('echo cached'));
    return { text: messageText(answer.message), rejections: lines.filter((l) => l.msg === rejectedMessage) };
  } finally {
    await instance.stop();
  }
}

describe('the V8 code cache in a built Node plugin program', () => {
  test('is there, made by this Node, and V8 takes it: the plugin answers and logs no rejection', async ({
    dir,
  }) => {
    const { codeCache, builtWith } = unpackProgram(program);
    expect(builtWith).toBe(process.version);
    expect(codeCache?.length).toBeGreaterThan(10_000);
    const { text, rejections } = await runThroughHost(dir.path, program);
    expect(text).toContain('cached');
    expect(rejections).toEqual([]);
  });

  test('is trained with calls the SDK serves', () => {
    const served = new Set<string>(Object.values(methodPaths));
    expect(warmUpCalls.filter((c) => !served.has(c.path))).toEqual([]);
  });

  test('is the same bytes on every build', async () => {
    const again = await bundlePluginProgram(
      join(repoRoot, 'plugins/echo/main.ts'),
      repoRoot,
      join(scratch, 'echo-again.mjs'),
      'executor echo',
    );
    expect(again === program).toBe(true);
  }, 60_000);

  test('rejected for other V8 flags: the plugin still answers, and says why at debug', async ({ dir }) => {
    const { text, rejections } = await runThroughHost(dir.path, program, {
      NODE_OPTIONS: '--max-semi-space-size=1',
    });
    expect(text).toContain('cached');
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({
      level: 20,
      builtWith: process.version,
      runningOn: process.version,
      reason: "V8 flags differ from the build's (NODE_OPTIONS or node flags)",
    });
  });

  test('rejected when another Node made it (a damaged cache stands in for one)', async ({ dir }) => {
    const { functionSource, codeCache } = unpackProgram(program);
    const foreign = Buffer.from(codeCache as Buffer);
    // Bytes 4-7 are V8's version hash: what differs in a cache from another V8.
    foreign.writeUInt32LE(foreign.readUInt32LE(4) ^ 0xffff, 4);
    const { text, rejections } = await runThroughHost(
      dir.path,
      packProgram(functionSource, foreign, 'v19.0.0'),
    );
    expect(text).toContain('cached');
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ builtWith: 'v19.0.0', reason: 'another Node version built it' });
  });

  test('without one (--no-code-cache) the program runs the same code', async ({ dir }) => {
    const plain = await bundlePluginProgram(
      join(repoRoot, 'plugins/echo/main.ts'),
      repoRoot,
      join(scratch, 'echo-plain.mjs'),
      'executor echo',
      { codeCache: false },
    );
    expect(unpackProgram(plain).codeCache).toBeUndefined();
    expect(unpackProgram(plain).functionSource).toBe(unpackProgram(program).functionSource);
    const { text, rejections } = await runThroughHost(dir.path, plain);
    expect(text).toContain('cached');
    expect(rejections).toEqual([]);
  }, 60_000);

  test('a program whose plugin code is missing says which file is damaged', async ({ dir }) => {
    const binary = join(dir.path, 'executor_v1.0.0_echo');
    const payloadAt = program.lastIndexOf('\n/*sb-program v1 ');
    await writeFile(binary, `${program.slice(0, payloadAt)}\n/*sb-program v1 ${process.version}\n*/\n});\n`, {
      mode: 0o755,
    });
    const failure = await promisify(execFile)(binary, [], { env: { PATH: process.env.PATH } }).then(
      () => '',
      (err: { stderr: string }) => err.stderr,
    );
    expect(failure).toContain(`${binary}: the plugin code at the end of this file is missing or cut short`);
  });

  test("import() in a plugin's code works from the cache (Node 20 loses vm's import callback there)", async ({
    dir,
  }) => {
    const entry = await dir.write(
      'dyn/main.ts',
      `import { codeBlockMessage, serveExecutor } from '${join(repoRoot, 'src/sdk/index.js')}';
const computed = ['node', 'path'].join(':');
await serveExecutor({
  metadata: { version: '1.0.0', description: 'loads built-ins on demand' },
  async execute() {
    const os = await import('node:os');
    const path = await import(computed);
    return codeBlockMessage(os.platform() + path.sep + path.default.sep + 'cached');
  },
});
`,
    );
    const dyn = await bundlePluginProgram(entry, dir.path, join(dir.path, 'dyn.mjs'), 'executor dyn');
    expect(unpackProgram(dyn).codeCache).toBeDefined();
    const { text, rejections } = await runThroughHost(dir.path, dyn);
    expect(text).toContain(`${process.platform}//cached`);
    expect(rejections).toEqual([]);
  }, 60_000);

  test('a plugin that cannot start fails the build, naming it and the way out', async ({ dir }) => {
    const entry = await dir.write('broken/main.ts', "throw new Error('needs a database');\n");
    const err = await bundlePluginProgram(
      entry,
      dir.path,
      join(dir.path, 'broken.mjs'),
      'executor broken',
    ).then(
      () => ({ code: 'none', message: 'the build succeeded' }),
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err).toMatchObject({ code: 'SB_ERR_PUBLISH' });
    expect(err.message).toContain('executor broken');
    expect(err.message).toContain('needs a database');
    expect(err.message).toContain('--no-code-cache');
  }, 60_000);
});
