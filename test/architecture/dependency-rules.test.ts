import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  botsAndSinksConfigRule,
  checkRules,
  compareWithAllowList,
  dependencyRules,
  describeViolation,
} from './dependency-rules.js';
import { graphOf, importSpecifiers, readSourceTree, resolveInSrc } from './import-graph.js';

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const graph = graphOf(readSourceTree(srcDir));

/**
 * Files of bots/ and sinks/ that still import config/. Moving each platform's config slice into
 * its own folder (the platform descriptors) empties this list; it may only shrink.
 */
const knownConfigImports: readonly string[] = [
  'src/bots/console/console-bot.ts',
  'src/bots/console/listen-address.ts',
  'src/bots/slack/index.ts',
  'src/bots/slack/transport.ts',
  'src/sinks/elasticsearch/config.ts',
  'src/sinks/elasticsearch/index.ts',
  'src/sinks/index.ts',
  'src/sinks/scrub.ts',
  'src/sinks/webhook/config.ts',
  'src/sinks/webhook/index.ts',
];

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

  describe(botsAndSinksConfigRule.name, () => {
    const { unexpected, fixed } = compareWithAllowList(
      checkRules(graph, [botsAndSinksConfigRule]),
      knownConfigImports,
    );

    it('holds for every file not on the list of known violations', () => {
      expect(unexpected.map(describeViolation)).toEqual([]);
    });

    it('still fails for every listed file (remove the ones that no longer import config/)', () => {
      expect(fixed).toEqual([]);
    });
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
    ]);
  });

  it('lets an allow-list only shrink: an unlisted violator and a listed file that is clean both fail', () => {
    const violations = checkRules(
      graphOf(
        new Map([
          ['sinks/a/index.ts', "import type { Slice } from '../../config/slices/sinks.js';"],
          ['sinks/b/index.ts', "import type { Slice } from './config.js';"],
        ]),
      ),
      [botsAndSinksConfigRule],
    );
    expect(compareWithAllowList(violations, ['src/sinks/b/index.ts'])).toEqual({
      unexpected: [
        {
          file: 'sinks/a/index.ts',
          specifier: '../../config/slices/sinks.js',
          target: 'config/slices/sinks.js',
          rule: botsAndSinksConfigRule.name,
        },
      ],
      fixed: ['src/sinks/b/index.ts'],
    });
  });
});
