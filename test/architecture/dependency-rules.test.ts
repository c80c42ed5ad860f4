import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRules, dependencyRules, describeViolation } from './dependency-rules.js';
import { graphOf, importSpecifiers, readSourceTree, resolveInSrc, valueSpecifiers } from './import-graph.js';

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const graph = graphOf(readSourceTree(srcDir));

describe('dependency rules (docs/architecture.md)', () => {
  it('reads the whole source tree, so a rule that passes has seen the imports', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('cli/commands/start.ts')?.map((e) => e.target)).toContain('app/agent.js');
    expect(graph.get('bots/console/page/app.js')?.map((e) => e.target)).toContain(
      'bots/console/page/connection.js',
    );
  });

  it.each(dependencyRules.map((rule) => [rule.name, rule] as const))('%s', (_name, rule) => {
    expect(checkRules(graph, [rule]).map(describeViolation)).toEqual([]);
  });
});

describe('the dependency checker', () => {
  const files = new Map([
    [
      'bots/chat/bot.ts',
      [
        "import type { Topology } from '../../app/topology.js';",
        "export { x } from '../other/render.js';",
        "const later = await import('../../bridge/source/event-dispatch.js');",
        "// import { ignored } from '../../app/agent.js';",
        'const text = "import { alsoIgnored } from \'../../app/agent.js\'";',
        "import { z } from 'zod';",
        "import { shared } from '../bot.js';",
      ].join('\n'),
    ],
    [
      'core/model.ts',
      "import { ok } from '../errors/codes.js';\nimport { bad } from '../delivery/queue.js';",
    ],
    ['sinks/hook/index.ts', "import type { WebhookSink } from '../../config/slices/sinks.js';"],
    ['delivery/queue.ts', "import type { Config } from '../config/schema.js';"],
    [
      'bridge/source/streams.ts',
      [
        "import type { SourceClient } from '../../plugins/host/source-client.js';",
        "import { type StreamCall } from '../../plugins/host/stream-call.js';",
        "export type { Handshake } from '../../plugins/host/handshake.js';",
        "let c: import('../../plugins/host/connection.js').Connection;",
        "import { keepStreaming, type StreamState } from '../../plugins/host/stream-keeper.js';",
      ].join('\n'),
    ],
  ]);
  const synthetic = graphOf(files);

  it('reads static, re-exported and dynamic imports, and skips comments and strings', () => {
    expect(importSpecifiers(files.get('bots/chat/bot.ts') ?? '')).toEqual([
      '../../app/topology.js',
      '../other/render.js',
      '../../bridge/source/event-dispatch.js',
      'zod',
      '../bot.js',
    ]);
    expect(resolveInSrc('bots/chat/bot.ts', '../../app/topology.js')).toBe('app/topology.js');
    expect(resolveInSrc('bots/chat/bot.ts', 'zod')).toBeUndefined();
    expect(resolveInSrc('bots/chat/bot.test.ts', '../../../test/support/x.js')).toBeUndefined();
  });

  it('reports each violating import with the file, the import and the rule', () => {
    expect(checkRules(synthetic, dependencyRules).map(describeViolation)).toEqual([
      "src/bots/chat/bot.ts imports '../../app/topology.js' (src/app/topology.js), against the rule: only src/cli/ imports src/app/ (the composition root); nothing below it does",
      "src/bots/chat/bot.ts imports '../../app/topology.js' (src/app/topology.js), against the rule: src/bots/ and src/sinks/ import no plugins/, bridge/ or app/",
      "src/bots/chat/bot.ts imports '../../bridge/source/event-dispatch.js' (src/bridge/source/event-dispatch.js), against the rule: src/bots/ and src/sinks/ import no plugins/, bridge/ or app/",
      "src/bots/chat/bot.ts imports '../other/render.js' (src/bots/other/render.js), against the rule: a bot imports no other bot (bots/bot.ts is the shared interface; shared rendering goes in core/)",
      "src/core/model.ts imports '../delivery/queue.js' (src/delivery/queue.js), against the rule: src/core/ (shared model, no I/O) imports only src/contract/, src/gen/ and src/errors/",
      "src/sinks/hook/index.ts imports '../../config/slices/sinks.js' (src/config/slices/sinks.js), against the rule: src/bots/ and src/sinks/ import no config/ (each owns its config slice in its folder)",
      "src/delivery/queue.ts imports '../config/schema.js' (src/config/schema.js), against the rule: src/delivery/ imports no config/ (app/ hands it plain settings; its tests may parse config defaults)",
      "src/bridge/source/streams.ts imports '../../plugins/host/stream-keeper.js' (src/plugins/host/stream-keeper.js), against the rule: src/bridge/ imports src/plugins/host/ as types only (app/ hands it the clients; keeping streams going is bridge policy)",
    ]);
  });

  it('tells imports erased at compile time from imports of values', () => {
    const text = files.get('bridge/source/streams.ts') ?? '';
    expect(importSpecifiers(text)).toHaveLength(5);
    expect([...valueSpecifiers(text)]).toEqual(['../../plugins/host/stream-keeper.js']);
    expect([...valueSpecifiers(files.get('bots/chat/bot.ts') ?? '')]).toEqual([
      '../other/render.js',
      '../../bridge/source/event-dispatch.js',
      'zod',
      '../bot.js',
    ]);
  });
});
