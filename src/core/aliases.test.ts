import { describe, expect, it } from 'vitest';
import { expandAliases } from './aliases.js';

describe('expandAliases', () => {
  const aliases = {
    k: { command: 'kubectl' },
    kgp: { command: 'kubectl get pods', displayName: 'List pods' },
    'k get': { command: 'kubectl get --show-kind' },
  };

  it('expands an alias that is the whole command', () => {
    expect(expandAliases('kgp', aliases)).toEqual({
      text: 'kubectl get pods',
      alias: { name: 'kgp', command: 'kubectl get pods', displayName: 'List pods' },
    });
  });

  it('expands an alias followed by a blank, keeping the rest as typed', () => {
    expect(expandAliases('kgp  -n "my shop"', aliases).text).toBe('kubectl get pods  -n "my shop"');
    expect(expandAliases('k\tlogs x', aliases).text).toBe('kubectl\tlogs x');
  });

  it('does not expand an alias that is only a prefix of the first word', () => {
    expect(expandAliases('kgpx', aliases)).toEqual({ text: 'kgpx' });
    expect(expandAliases('kubectl get pods', aliases)).toEqual({ text: 'kubectl get pods' });
  });

  it('prefers the alias with more words, whatever the key order', () => {
    expect(expandAliases('k get pods', aliases).text).toBe('kubectl get --show-kind pods');
    const reversed = { 'k get': aliases['k get'], k: aliases.k };
    expect(expandAliases('k get pods', reversed).alias?.name).toBe('k get');
  });

  it('matches multi-word alias names across any blank run', () => {
    expect(expandAliases('k   get', aliases).text).toBe('kubectl get --show-kind');
  });

  it('prefers the longer name when word counts tie', () => {
    const overlapping = { 'a  b': { command: 'long' }, 'a b': { command: 'short' } };
    expect(expandAliases('a b c', overlapping)).toMatchObject({ text: 'long c', alias: { name: 'a  b' } });
    const sameLength = { 'a b ': { command: 'second' }, ' a b': { command: 'first' } };
    expect(expandAliases('a b', sameLength).text).toBe('first');
  });

  it('expands once, so mutually recursive aliases cannot loop', () => {
    const loop = { k: { command: 'kubectl' }, kubectl: { command: 'k' } };
    expect(expandAliases('k get', loop).text).toBe('kubectl get');
    expect(expandAliases('kubectl get', loop).text).toBe('k get');
    expect(expandAliases('ls', { ls: { command: 'ls -la' } }).text).toBe('ls -la');
  });

  it('is case-sensitive, and a quoted or escaped first word is not an alias', () => {
    expect(expandAliases('KGP', aliases)).toEqual({ text: 'KGP' });
    expect(expandAliases("'kgp'", aliases)).toEqual({ text: "'kgp'" });
    expect(expandAliases('\\kgp', aliases)).toEqual({ text: '\\kgp' });
  });

  it('ignores blank alias names and handles empty commands and empty alias sets', () => {
    expect(expandAliases('x', { '': { command: 'boom' }, '  ': { command: 'boom' } })).toEqual({ text: 'x' });
    expect(expandAliases('', aliases)).toEqual({ text: '' });
    expect(expandAliases('kgp', {})).toEqual({ text: 'kgp' });
  });

  it('trims the alias command, and an empty alias command leaves the rest', () => {
    expect(expandAliases('x a', { x: { command: '  y  ' } }).text).toBe('y a');
    expect(expandAliases('x  a', { x: { command: '' } }).text).toBe('a');
  });
});
