import { describe, expect, it } from 'vitest';
import { checkHelmCommand } from './guard.js';

const options = { defaultNamespace: 'team-a' };
const check = (text: string, readOnly = false) =>
  checkHelmCommand(
    text.split(' ').filter((w) => w !== ''),
    { ...options, readOnly },
  );
const argsOf = (text: string) => {
  const verdict = check(text);
  if (!verdict.allowed) throw new Error(`refused: ${verdict.reason}`);
  return verdict.args;
};
const reasonOf = (text: string, readOnly = false) => {
  const verdict = check(text, readOnly);
  if (verdict.allowed) throw new Error(`allowed: ${verdict.args.join(' ')}`);
  return verdict.reason;
};

describe('helm guard: what runs', () => {
  it('runs the read commands with their flags, adding the default namespace at the end', () => {
    expect(argsOf('list')).toEqual(['list', '-n', 'team-a']);
    expect(argsOf('ls -A -o json')).toEqual(['ls', '-A', '-o', 'json', '-n', 'team-a']);
    expect(argsOf('list -f ^web -m 5 --offset=2 -q')).toEqual([
      'list',
      '-f',
      '^web',
      '-m',
      '5',
      '--offset=2',
      '-q',
      '-n',
      'team-a',
    ]);
    expect(argsOf('status web --revision 2 --show-desc')).toEqual([
      'status',
      'web',
      '--revision',
      '2',
      '--show-desc',
      '-n',
      'team-a',
    ]);
    expect(argsOf('hist web --max 3')).toEqual(['hist', 'web', '--max', '3', '-n', 'team-a']);
    expect(argsOf('get values web -a -o yaml')).toEqual([
      'get',
      'values',
      'web',
      '-a',
      '-o',
      'yaml',
      '-n',
      'team-a',
    ]);
    expect(argsOf('get all web --template {{.Release.Name}}')).toContain('--template');
  });

  it('keeps a namespace given as -n, --namespace or --namespace=, and adds none to version', () => {
    expect(argsOf('list -n other')).toEqual(['list', '-n', 'other']);
    expect(argsOf('status web --namespace other')).toEqual(['status', 'web', '--namespace', 'other']);
    expect(argsOf('history web --namespace=other')).toEqual(['history', 'web', '--namespace=other']);
    expect(argsOf('version --short')).toEqual(['version', '--short']);
  });

  it('runs the write commands as Botkube allows them, with charts from a repository or https', () => {
    expect(argsOf('install web bitnami/nginx --set replicaCount=2 --create-namespace')).toEqual([
      'install',
      'web',
      'bitnami/nginx',
      '--set',
      'replicaCount=2',
      '--create-namespace',
      '-n',
      'team-a',
    ]);
    expect(argsOf('install -g bitnami/nginx --dry-run')[0]).toBe('install');
    expect(argsOf('install web nginx --repo https://charts.example.com --version 1.2.3')).toContain('--repo');
    expect(argsOf('install web https://charts.example.com/web-1.0.0.tgz --dry-run=server')).toContain(
      '--dry-run=server',
    );
    expect(argsOf('upgrade web bitnami/nginx -i --reuse-values --timeout 5m')).toContain('--reuse-values');
    expect(argsOf('uninstall web api --keep-history')).toEqual([
      'uninstall',
      'web',
      'api',
      '--keep-history',
      '-n',
      'team-a',
    ]);
    expect(argsOf('del web')[0]).toBe('del');
    expect(argsOf('rollback web 2 --force')).toEqual(['rollback', 'web', '2', '--force', '-n', 'team-a']);
    expect(argsOf('test web --logs')).toEqual(['test', 'web', '--logs', '-n', 'team-a']);
  });
});

describe('helm guard: what is refused, and why', () => {
  it('refuses flags that run a local program or read local files, naming the reason', () => {
    expect(reasonOf('install web bitnami/nginx --post-renderer /bin/sh')).toBe(
      '--post-renderer is refused: it runs a local program.',
    );
    expect(reasonOf('upgrade web bitnami/nginx --post-renderer=./x')).toContain('runs a local program');
    expect(reasonOf('install web bitnami/nginx -f /etc/passwd')).toContain(
      '-f is refused: it reads a local file',
    );
    expect(reasonOf('install web bitnami/nginx --values=v.yaml')).toContain('reads a local file');
    expect(reasonOf('install web bitnami/nginx --set-file a=/etc/shadow')).toContain('reads a local file');
    expect(reasonOf('install web bitnami/nginx --ca-file /x')).toContain('reads a local file');
    expect(reasonOf('list --kubeconfig /x')).toContain('identity of this call is set by the agent');
    expect(reasonOf('list --kube-as-group=system:masters')).toContain('identity of this call');
    expect(reasonOf('install web bitnami/nginx --wait')).toContain('refused as in Botkube');
    expect(reasonOf('upgrade web bitnami/nginx --atomic')).toContain('refused as in Botkube');
  });

  it('refuses charts from local paths, plain http, OCI and file URLs', () => {
    expect(reasonOf('install web /tmp/chart')).toContain('local chart paths are not read');
    expect(reasonOf('install web ./chart')).toContain('local chart paths are not read');
    expect(reasonOf('install web ../../etc/x')).toContain('local chart paths are not read');
    expect(reasonOf('install web chart')).toContain('name it as repo/chart');
    expect(reasonOf('install web http://charts.example.com/c.tgz')).toContain('only https:// chart URLs');
    expect(reasonOf('install web oci://registry.example.com/c')).toContain('only https:// chart URLs');
    expect(reasonOf('upgrade web file:///etc/c.tgz')).toContain('only https:// chart URLs');
    expect(reasonOf('install web nginx --repo http://charts.example.com')).toContain(
      'expected an https:// URL',
    );
    expect(reasonOf('install web a/b --repo https://charts.example.com')).toContain(
      'with --repo, name the chart only',
    );
  });

  it('refuses unknown commands and flags, listing what the command takes', () => {
    expect(reasonOf('plugin install x')).toBe('helm plugin is not supported.');
    expect(reasonOf('-n apps list')).toBe(
      'put the helm command first, then its flags (e.g. helm list -n team-a); got "-n" first.',
    );
    expect(reasonOf('repo add x https://y')).toBe('helm repo is not supported.');
    expect(reasonOf('show values bitnami/nginx')).toBe('helm show is not supported.');
    expect(reasonOf('status web --bogus')).toMatch(
      /^helm status does not take --bogus \(it takes --show-desc, --revision, --output, plus -n/,
    );
    expect(reasonOf('list --filter x')).toContain('helm list does not take --filter');
    expect(reasonOf('list -Aa')).toContain('give short flags one by one');
    expect(reasonOf('get web')).toBe('helm get needs one of: all, hooks, manifest, notes, values.');
    expect(reasonOf('get notes web --template x')).toContain('helm get notes does not take --template');
  });

  it('checks the number and shape of names and values', () => {
    expect(reasonOf('status')).toBe('helm status takes 1 name, got 0.');
    expect(reasonOf('status a b')).toBe('helm status takes 1 name, got 2.');
    expect(reasonOf('list web')).toBe('helm list takes 0 names, got 1.');
    expect(reasonOf('uninstall')).toBe('helm uninstall takes at least 1 name, got 0.');
    expect(reasonOf('install bitnami/nginx')).toContain('takes a release name and a chart');
    expect(reasonOf('install web bitnami/nginx -g')).toContain('--generate-name takes only the chart');
    expect(reasonOf('status Web_1')).toContain('"Web_1" is not a release name');
    expect(reasonOf('rollback web two')).toContain('"two" is not a revision number');
    expect(reasonOf('list -o wide')).toBe('-o: expected table, json or yaml, got "wide".');
    expect(reasonOf('list -m many')).toBe('-m: expected a whole number, got "many".');
    expect(reasonOf('test web --timeout soon')).toContain('expected a duration');
    expect(reasonOf('list -n Bad_NS')).toBe('-n: "Bad_NS" is not a namespace name.');
    expect(reasonOf('status web --revision')).toBe('--revision needs a value.');
    expect(reasonOf('list --deployed=yes')).toBe('--deployed takes no value.');
  });

  it('refuses every write when the config is readOnly, and still runs reads', () => {
    for (const write of [
      'install web bitnami/nginx',
      'upgrade web bitnami/nginx',
      'uninstall web',
      'rollback web',
      'test web',
    ]) {
      expect(reasonOf(write, true)).toMatch(/changes the cluster and this channel's helm config is readOnly/);
    }
    expect(check('list', true).allowed).toBe(true);
  });
});
