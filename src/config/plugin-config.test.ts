import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors/switchboard-error.js';
import { formatIssue } from './issues.js';
import type { ConfigLocator } from './locate.js';
import {
  assertPluginConfig,
  compilePluginConfigSchema,
  createPluginSchemaCompiler,
  validatePluginConfig,
} from './plugin-config.js';

const schema = JSON.stringify({
  $schema: 'http://json-schema.org/draft-04/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['defaultNamespace'],
  properties: {
    defaultNamespace: { type: 'string' },
    log: { type: 'object', properties: { level: { enum: ['info', 'debug'] } } },
    retries: { type: 'integer', minimum: 0 },
    url: { type: 'string', format: 'uri' },
  },
});

const where = {
  pluginKey: 'botkube/kubectl',
  path: ['executors', 'read-only', 'botkube/kubectl', 'config'],
  locator: {
    files: ['config.yaml'],
    locate: (path) => ({ kind: 'file', file: 'config.yaml', line: path.length, column: 3 }),
  } satisfies ConfigLocator,
};

describe('validatePluginConfig', () => {
  it('accepts a config that matches the schema', () => {
    expect(validatePluginConfig(schema, { defaultNamespace: 'default', url: 'not checked' }, where)).toEqual(
      [],
    );
  });

  it('names the path inside config, the value, what the schema wants, and the file', () => {
    const issues = validatePluginConfig(schema, { log: { level: 'loud' }, retries: 'x', extra: 1 }, where);
    expect(issues.map(formatIssue).sort()).toEqual(
      [
        'config.yaml:5:3: executors.read-only["botkube/kubectl"].config.extra: plugin botkube/kubectl: unknown key "extra"',
        'config.yaml:5:3: executors.read-only["botkube/kubectl"].config.defaultNamespace: plugin botkube/kubectl: missing; the plugin requires "defaultNamespace"',
        'config.yaml:6:3: executors.read-only["botkube/kubectl"].config.log.level: plugin botkube/kubectl: expected one of "info", "debug", got "loud"',
        'config.yaml:5:3: executors.read-only["botkube/kubectl"].config.retries: plugin botkube/kubectl: expected integer, got "x"',
      ].sort(),
    );
  });

  it('treats a missing config as an empty map', () => {
    expect(validatePluginConfig(schema, undefined, where)[0]?.message).toMatch(/requires "defaultNamespace"/);
  });

  it('throws SB_ERR_CONFIG_PLUGIN for an invalid config or an unusable schema', () => {
    expect(() => assertPluginConfig(schema, {}, where)).toThrow(
      /invalid config for plugin botkube\/kubectl: 1 error/,
    );
    try {
      compilePluginConfigSchema('{"type": "object", "properties": {"a": {"type": "nonsense"}}}', 'x/y');
      expect.unreachable();
    } catch (err) {
      expect(hasCode(err, 'SB_ERR_CONFIG_PLUGIN')).toBe(true);
      expect((err as Error).message).toMatch(
        /plugin x\/y publishes a config JSON Schema that cannot be used/,
      );
    }
    expect(() => compilePluginConfigSchema('not json', 'x/y')).toThrow(/cannot be used/);
  });
});

describe('createPluginSchemaCompiler', () => {
  it('checks every schema against the shared meta-schema, and keeps plugins with the same $id apart', () => {
    const compile = createPluginSchemaCompiler();
    const first = compile(
      { $id: 'https://example.com/config', type: 'object', properties: { a: { type: 'string' } } },
      'x/first',
    );
    // An unusable schema after a good one is still refused: the meta-schema is checked each time.
    expect(() => compile({ type: 'object', properties: { a: { type: 'nonsense' } } }, 'x/bad')).toThrow(
      /plugin x\/bad publishes a config JSON Schema that cannot be used/,
    );
    // The same $id in another plugin's schema would make one ajv refuse it ("already exists").
    const second = compile(
      { $id: 'https://example.com/config', type: 'object', properties: { a: { type: 'integer' } } },
      'x/second',
    );
    const at = { ...where, path: ['executors', 'g', 'x/y', 'config'] };
    expect(first({ a: 'text' }, at)).toEqual([]);
    expect(first({ a: 1 }, at)).toHaveLength(1);
    expect(second({ a: 1 }, at)).toEqual([]);
    expect(second({ a: 'text' }, at)).toHaveLength(1);
  });
});
