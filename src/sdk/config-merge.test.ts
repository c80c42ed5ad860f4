import { describe, expect, it } from 'vitest';
import { ConfigMergeError, mergeConfigs } from './config-merge.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function mergeError(documents: Array<Uint8Array | string>): ConfigMergeError {
  try {
    mergeConfigs(documents);
  } catch (error) {
    if (error instanceof ConfigMergeError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected mergeConfigs to throw');
}

describe('mergeConfigs', () => {
  it('merges nested maps key by key, later documents winning', () => {
    const merged = mergeConfigs([
      bytes(
        'defaultNamespace: default\nkubectl:\n  allowed: {verbs: [get], namespaces: [default]}\n  timeout: 10s\n',
      ),
      bytes('kubectl:\n  allowed: {verbs: [get, logs]}\n  timeout: 30s\nlog: {level: debug}\n'),
    ]);

    expect(merged).toEqual({
      defaultNamespace: 'default',
      kubectl: { allowed: { verbs: ['get', 'logs'], namespaces: ['default'] }, timeout: '30s' },
      log: { level: 'debug' },
    });
  });

  it('replaces lists and scalars instead of merging them', () => {
    const merged = mergeConfigs([
      'channels: [a, b, c]\nlimit: 5\nmode: {x: 1}\n',
      'channels: [z]\nlimit: 9\nmode: off\n',
    ]);

    expect(merged).toEqual({ channels: ['z'], limit: 9, mode: 'off' });
  });

  it('lets an explicit null override, and skips empty and null documents', () => {
    const merged = mergeConfigs([
      'a: 1\nb: {c: 2}\n',
      '',
      '~\n',
      '# only a comment\n',
      new Uint8Array(),
      'b: null\n',
    ]);

    expect(merged).toEqual({ a: 1, b: null });
  });

  it('returns an empty object for no documents and types the result as asked', () => {
    interface EchoConfig {
      changeResponseToUpperCase?: boolean;
    }
    const config: EchoConfig = mergeConfigs<EchoConfig>(['changeResponseToUpperCase: true\n']);

    expect(mergeConfigs([])).toEqual({});
    expect(config.changeResponseToUpperCase).toBe(true);
  });

  it('honours YAML merge keys and keeps __proto__ as plain data', () => {
    const merged = mergeConfigs([
      'base: &base {a: 1}\nderived:\n  <<: *base\n  b: 2\n',
      '__proto__: {polluted: true}\n',
    ]) as Record<string, unknown>;

    expect(merged.derived).toEqual({ a: 1, b: 2 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the document, line and column of a YAML syntax error', () => {
    const error = mergeError(['ok: true\n', 'a: 1\nb:\n  - x\n  c: [unclosed\n']);

    expect(error.documentIndex).toBe(2);
    expect(error.line).toBe(4);
    expect(error.column).toBeGreaterThan(0);
    expect(error.message).toMatch(/^config document 2 of 2 is not valid YAML at line 4, column \d+: \S/);
    expect(error.message).not.toContain('\n');
    expect(error.name).toBe('ConfigMergeError');
  });

  it('rejects duplicate keys, as go-yaml does', () => {
    const error = mergeError(['a: 1\na: 2\n']);

    expect(error.documentIndex).toBe(1);
    expect(error.line).toBe(2);
    expect(error.message).toContain('unique');
  });

  it('rejects a document whose top level is not a map', () => {
    expect(mergeError(['a: 1\n', '- a\n- b\n']).message).toBe(
      'config document 2 of 2 must be a YAML map at the top level, got a list',
    );
    expect(mergeError(['just text\n']).documentIndex).toBe(1);
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(mergeError([Uint8Array.of(0x61, 0x3a, 0x20, 0xff, 0x0a)]).message).toBe(
      'config document 1 of 1 is not valid UTF-8',
    );
  });
});
