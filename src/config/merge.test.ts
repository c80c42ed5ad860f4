import { describe, expect, it } from 'vitest';
import { mergeConfigValues, orderConfigFiles, setAtPath, valueAtPath } from './merge.js';

describe('orderConfigFiles', () => {
  it('keeps the given order but merges files whose basename starts with _ last', () => {
    expect(
      orderConfigFiles([
        '/c/_runtime_state.yaml',
        '/c/global.yaml',
        'dir_x/comm.yaml',
        '_startup_state.yaml',
        'b.yaml',
      ]),
    ).toEqual([
      '/c/global.yaml',
      'dir_x/comm.yaml',
      'b.yaml',
      '/c/_runtime_state.yaml',
      '_startup_state.yaml',
    ]);
  });
});

describe('mergeConfigValues', () => {
  it('merges maps at every depth and replaces lists, scalars and nulls', () => {
    const base = { a: { b: 1, c: [1, 2], d: { e: 'x' } }, keep: true, gone: { x: 1 } };
    const merged = mergeConfigValues(base, { a: { c: [3], d: { f: 'y' } }, gone: null });
    expect(merged).toEqual({ a: { b: 1, c: [3], d: { e: 'x', f: 'y' } }, keep: true, gone: null });
    expect(base.a.d).toEqual({ e: 'x' });
  });

  it('keeps a __proto__ key as data', () => {
    const merged = mergeConfigValues({}, JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual(['__proto__']);
  });
});

describe('setAtPath / valueAtPath', () => {
  it('creates maps on the way and reads back', () => {
    const tree: Record<string, unknown> = { settings: 'not a map' };
    setAtPath(tree, ['settings', 'log', 'level'], 'debug');
    expect(valueAtPath(tree, ['settings', 'log', 'level'])).toBe('debug');
    expect(valueAtPath({ a: [{ b: 2 }] }, ['a', 0, 'b'])).toBe(2);
    expect(valueAtPath({ a: 1 }, ['a', 'b'])).toBeUndefined();
  });
});
