import { describe, expect, it } from 'vitest';
import type { SwitchboardError } from '../errors/switchboard-error.js';
import { extractGlobalFlags, type GlobalFlagOptions, shouldAnswer } from './global-flags.js';
import { rawCommand, tokenize } from './tokenize.js';

/** Parses `text` and returns the flags with the remaining command as raw text, for short asserts. */
function flags(text: string, options?: GlobalFlagOptions) {
  const { tokens, ...rest } = extractGlobalFlags(tokenize(text), options);
  return { command: rawCommand(tokens), ...rest };
}

function errorOf(text: string): SwitchboardError {
  try {
    extractGlobalFlags(tokenize(text));
  } catch (err) {
    return err as SwitchboardError;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('extractGlobalFlags', () => {
  it('returns the command untouched when it has no global flags', () => {
    expect(flags('kubectl get pods -n shop')).toEqual({
      command: 'kubectl get pods -n shop',
      allClusters: false,
    });
  });

  it('reads value flags in both = and separate-word forms, anywhere in the command', () => {
    expect(flags('kubectl get pods --cluster-name=prod --filter web')).toEqual({
      command: 'kubectl get pods',
      clusterName: 'prod',
      filter: 'web',
      allClusters: false,
    });
    expect(flags('--cluster-name prod kubectl get pods')).toMatchObject({
      command: 'kubectl get pods',
      clusterName: 'prod',
    });
  });

  it('unquotes values and keeps the user quoting of the other words', () => {
    expect(
      flags(`kubectl get pods -l "app=a b" --filter="Running  1" --bk-cmd-header 'Pods of shop'`),
    ).toEqual({
      command: 'kubectl get pods -l "app=a b"',
      filter: 'Running  1',
      header: 'Pods of shop',
      allClusters: false,
    });
  });

  it('reads --all-clusters with no value or with a boolean value', () => {
    expect(flags('ping --all-clusters')).toMatchObject({ command: 'ping', allClusters: true });
    expect(flags('ping --all-clusters=true')).toMatchObject({ allClusters: true });
    expect(flags('ping --all-clusters=0')).toMatchObject({ command: 'ping', allClusters: false });
  });

  it('accepts the --sb- forms and --sb-cmd-header', () => {
    expect(flags('ping --sb-cluster-name=a --sb-all-clusters --sb-filter x --sb-cmd-header=h')).toEqual({
      command: 'ping',
      clusterName: 'a',
      allClusters: true,
      filter: 'x',
      header: 'h',
    });
  });

  it('keeps the last value of a repeated flag', () => {
    expect(flags('x --filter a --filter=b')).toMatchObject({ command: 'x', filter: 'b' });
  });

  it('allows an empty header', () => {
    expect(flags('x --bk-cmd-header=')).toMatchObject({ command: 'x', header: '' });
  });

  it('leaves look-alike words alone', () => {
    expect(flags('x --filters a --cluster-namespace b -filter c --filter-x')).toEqual({
      command: 'x --filters a --cluster-namespace b -filter c --filter-x',
      allClusters: false,
    });
  });

  it('returns no tokens for a command made only of flags', () => {
    expect(flags('--cluster-name prod')).toEqual({ command: '', clusterName: 'prod', allClusters: false });
  });
});

describe('extractGlobalFlags: plugins with their own flags (#906)', () => {
  const options = { passthroughPlugins: ['helm'] };

  it('takes --filter from any plugin by default, as Botkube does', () => {
    expect(flags('helm list --filter web')).toMatchObject({ command: 'helm list', filter: 'web' });
  });

  it('gives Botkube-form flags to a passthrough plugin', () => {
    expect(flags(`helm list --filter 'ng.*' --cluster-name=x --all-clusters`, options)).toEqual({
      command: `helm list --filter 'ng.*' --cluster-name=x --all-clusters`,
      allClusters: false,
    });
  });

  it('still takes --sb- forms and --bk-cmd-header from a passthrough plugin', () => {
    expect(flags('helm list --filter a --sb-filter b --bk-cmd-header h', options)).toEqual({
      command: 'helm list --filter a',
      filter: 'b',
      header: 'h',
      allClusters: false,
    });
  });

  it('takes Botkube-form flags written before the command word, even for a passthrough plugin', () => {
    expect(flags('--filter web helm list', options)).toMatchObject({ command: 'helm list', filter: 'web' });
  });

  it('gives --filter to any plugin when the command also uses --sb-filter', () => {
    expect(flags('helm list --filter a --sb-filter=b')).toMatchObject({
      command: 'helm list --filter a',
      filter: 'b',
    });
    // Only the flag whose --sb- form is used passes through.
    expect(flags('aws eks --cluster-name x --sb-cluster-name=prod --filter y')).toEqual({
      command: 'aws eks --cluster-name x',
      clusterName: 'prod',
      filter: 'y',
      allClusters: false,
    });
  });

  it('does not apply passthrough to other plugins', () => {
    expect(flags('kubectl get pods --filter web', options)).toMatchObject({
      command: 'kubectl get pods',
      filter: 'web',
    });
  });
});

describe('extractGlobalFlags: errors', () => {
  it('rejects a value flag without its value', () => {
    const err = errorOf('kubectl get pods --filter');
    expect(err.code).toBe('SB_ERR_COMMAND_SYNTAX');
    expect(err.message).toBe(
      'Cannot parse the command: --filter needs a value: write --filter=<value> or --filter <value>.',
    );
    expect(err.details).toEqual({ flag: '--filter' });
    expect(errorOf('x --bk-cmd-header').code).toBe('SB_ERR_COMMAND_SYNTAX');
  });

  it('rejects an empty cluster name or filter', () => {
    expect(errorOf('x --cluster-name=').message).toContain('--cluster-name needs a non-empty value');
    expect(errorOf(`x --filter ''`).message).toContain('--filter needs a non-empty value');
    expect(errorOf(`x --sb-filter=`).message).toContain('--sb-filter needs a non-empty value');
  });

  it('rejects a boolean flag with a non-boolean value', () => {
    const err = errorOf('x --all-clusters=yes');
    expect(err.code).toBe('SB_ERR_COMMAND_SYNTAX');
    expect(err.message).toContain('--all-clusters takes no value, or =true / =false (got "yes")');
  });
});

describe('shouldAnswer', () => {
  it('answers when no cluster is named', () => {
    expect(shouldAnswer({ allClusters: false }, 'prod')).toBe(true);
  });

  it('answers only the named cluster, compared exactly', () => {
    expect(shouldAnswer({ clusterName: 'prod', allClusters: false }, 'prod')).toBe(true);
    expect(shouldAnswer({ clusterName: 'dev', allClusters: false }, 'prod')).toBe(false);
    expect(shouldAnswer({ clusterName: 'Prod', allClusters: false }, 'prod')).toBe(false);
  });

  it('answers with --all-clusters whatever the cluster name', () => {
    expect(shouldAnswer({ clusterName: 'dev', allClusters: true }, 'prod')).toBe(true);
  });
});
