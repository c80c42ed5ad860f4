import { describe, expect, it } from 'vitest';
import { findInFile, parseConfigText } from './yaml-file.js';

const text = `defaults: &ctx
  rbac:
    group: {type: Static}
sources:
  pods:
    botkube/kubernetes:
      context: *ctx
      config: {ids: [1, 12345678901234567890]}
merged:
  <<: *ctx
  extra: 1
`;

describe('parseConfigText', () => {
  it('keeps integers beyond 2^53 exact, as strings', () => {
    const { file } = parseConfigText('c.yaml', text);
    expect(file?.value).toMatchObject({
      sources: { pods: { 'botkube/kubernetes': { config: { ids: [1, '12345678901234567890'] } } } },
    });
  });

  it('rejects a top level that is not a map, and reads an empty file as {}', () => {
    expect(parseConfigText('c.yaml', '- a\n').issues[0]?.message).toBe(
      'the top level must be a map of settings, got a list',
    );
    expect(parseConfigText('c.yaml', '# nothing\n').file?.value).toEqual({});
  });
});

describe('findInFile', () => {
  const { file } = parseConfigText('c.yaml', text);
  if (!file) throw new Error('fixture does not parse');

  it('finds values, keys and list items', () => {
    expect(findInFile(file, ['sources', 'pods', 'botkube/kubernetes', 'config', 'ids', 1])).toMatchObject({
      exact: true,
      position: { line: 8, column: 25 },
    });
    expect(findInFile(file, ['sources', 'pods'])).toMatchObject({ keyPosition: { line: 5, column: 3 } });
  });

  it('follows aliases and merge keys to where the value is written', () => {
    expect(
      findInFile(file, ['sources', 'pods', 'botkube/kubernetes', 'context', 'rbac', 'group', 'type']),
    ).toMatchObject({
      exact: true,
      position: { line: 3, column: 19 },
    });
    expect(findInFile(file, ['merged', 'rbac'])).toMatchObject({
      exact: true,
      keyPosition: { line: 2, column: 3 },
    });
  });

  it('falls back to the deepest key that exists', () => {
    expect(findInFile(file, ['sources', 'pods', 'nope', 'deeper'])).toEqual({
      exact: false,
      position: { line: 5, column: 3 },
    });
  });
});
