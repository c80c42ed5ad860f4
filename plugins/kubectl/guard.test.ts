import { describe, expect, it } from 'vitest';
import { checkCommand } from './guard.js';
import { pluralResource } from './resources.js';
import { TokenizeError, tokenize } from './tokenize.js';

const check = (command: string, restrictions?: { verbs?: string[]; resources?: string[] }) =>
  checkCommand(tokenize(command), { defaultNamespace: 'team-a', ...(restrictions ? { restrictions } : {}) });

function refusal(command: string, restrictions?: { verbs?: string[]; resources?: string[] }): string {
  const verdict = check(command, restrictions);
  if (verdict.allowed) throw new Error(`${command} was allowed: ${verdict.args.join(' ')}`);
  return verdict.reason;
}

describe('kubectl command guard: namespaces', () => {
  it.each([
    ['get pods', ['-n', 'team-a', 'get', 'pods']],
    ['get pods -n kube-system', ['get', 'pods', '-n', 'kube-system']],
    ['get pods -nkube-system', ['get', 'pods', '-nkube-system']],
    ['get pods -n=kube-system', ['get', 'pods', '-n=kube-system']],
    ['get pods --namespace kube-system', ['get', 'pods', '--namespace', 'kube-system']],
    ['get pods --namespace=kube-system', ['get', 'pods', '--namespace=kube-system']],
    ['get pods -A', ['get', 'pods', '-A']],
    ['get pods --all-namespaces', ['get', 'pods', '--all-namespaces']],
    ['get pods -oyaml -A', ['get', 'pods', '-oyaml', '-A']],
    // The namespace goes before the verb so that what follows `--` is left as the user wrote it.
    ['exec web -- ls -n x', ['-n', 'team-a', 'exec', 'web', '--', 'ls', '-n', 'x']],
  ])('%s runs as %j', (command, args) => {
    const verdict = check(command, command.startsWith('exec') ? { verbs: ['exec'] } : undefined);
    expect(verdict).toEqual({ allowed: true, verb: command.split(' ')[0], args });
  });
});

describe('kubectl command guard: refusals', () => {
  it.each([
    ['config view --raw', '`config` is not allowed: it reads and changes the kubeconfig'],
    ['plugin list', '`plugin` is not allowed: it lists and runs local programs'],
    ['proxy', '`proxy` is not allowed'],
    ['port-forward svc/web 8080:80', '`port-forward` is not allowed'],
    ['cp web:/etc/passwd /tmp/x', '`cp` is not allowed: it reads and writes files on the agent host'],
    ['edit deploy web', '`edit` is not allowed: it starts a local editor'],
    ['diff -f x.yaml', '`diff` is not allowed: it runs a local diff program'],
    ['krew install x', '`krew` is not a kubectl command this plugin runs'],
    ['get pods --kubeconfig=/etc/kubernetes/admin.conf', '`--kubeconfig` is not allowed'],
    ['get pods --token abc', '`--token` is not allowed'],
    ['get pods --as=system:admin', '`--as` is not allowed'],
    ['get pods --as-group system:masters', '`--as-group` is not allowed'],
    ['get pods --server=https://evil', '`--server` is not allowed'],
    ['get pods -s https://evil', '`-s` (--server) is not allowed'],
    ['get pods --context other', '`--context` is not allowed'],
    ['apply -f /etc/passwd', '`-f` (--filename, or --follow for logs) is not allowed'],
    ['apply --filename=https://x/y.yaml', '`--filename` is not allowed: it reads or writes files'],
    ['apply -k dir', '`-k` (--kustomize) is not allowed'],
    ['create secret generic s --from-file=/etc/shadow', '`--from-file` is not allowed'],
    ['get pods -o go-template-file=/etc/passwd', '`-o go-template-file=/etc/passwd` is not allowed'],
    ['get pods --output jsonpath-file=/etc/passwd', '`-o jsonpath-file=/etc/passwd` is not allowed'],
    ['cluster-info dump --output-directory=/tmp/x', '`--output-directory` is not allowed'],
    ['get pods -w', '`-w` (--watch) is not allowed: it never ends'],
    ['get pods -Aw', '`-w` (--watch) is not allowed'],
    ['logs web -f', '`-f` (--filename, or --follow for logs) is not allowed'],
    ['logs web --follow', '`--follow` is not allowed: it never ends'],
    ['get pods --v=9', '`--v` is not allowed: it changes kubectl’s own logging'],
    ['run x --image=busybox -it', '`-i` (--stdin) is not allowed'],
    ['exec web -- sh', '`exec` runs only when the config lists it in commands.verbs'],
    ['attach web', '`attach` runs only when the config lists it in commands.verbs'],
    ['-n default', 'the command names no kubectl subcommand'],
  ])('%s', (command, reason) => {
    expect(refusal(command)).toContain(reason);
  });

  it('reports every refused flag at once', () => {
    expect(refusal('get pods --token=x --server=y')).toBe(
      '`--token` is not allowed: it changes which cluster kubectl talks to or as whom. `--server` is not allowed: it changes which cluster kubectl talks to or as whom.',
    );
  });

  it('does not read flags after `--`: they belong to the program run in the container', () => {
    expect(check('exec web -- cat -f --kubeconfig=x', { verbs: ['exec'] }).allowed).toBe(true);
  });

  it('passes shell syntax to kubectl as plain words, never to a shell', () => {
    expect(check('get pods ; reboot $(id) | grep x')).toEqual({
      allowed: true,
      verb: 'get',
      args: ['-n', 'team-a', 'get', 'pods', ';', 'reboot', '$(id)', '|', 'grep', 'x'],
    });
  });
});

describe('kubectl command guard: commands.verbs and commands.resources', () => {
  const narrow = {
    verbs: ['get', 'describe', 'logs', 'exec', 'rollout'],
    resources: ['pods', 'deployments'],
  };

  it.each([
    'get pods',
    'get po',
    'get pod/web',
    'get pods,deploy',
    'get pod/a deployment.apps/b',
    'describe deployments.apps web',
    'logs web',
    'logs deploy/web -c app',
    'exec web -- ls',
    'rollout status deploy/web',
    'get pods -l app=web --sort-by=.metadata.name',
  ])('allows %s', (command) => {
    expect(check(command, narrow).allowed).toBe(true);
  });

  it.each([
    [
      'delete pods web',
      '`delete` is not an allowed verb here. Allowed: `get`, `describe`, `logs`, `exec`, `rollout`.',
    ],
    ['get secrets', '`secrets` is not an allowed resource here. Allowed: `pods`, `deployments`.'],
    ['get pods,secrets', '`secrets` is not an allowed resource here'],
    ['get pod/a secret/b', '`secrets` is not an allowed resource here'],
    ['logs job/backup', '`jobs` is not an allowed resource here'],
    ['get', '`get` needs a resource type.'],
    ['get --selector app=web secrets', '`secrets` is not an allowed resource here'],
    [
      'get --label-zzz app secrets',
      'write `--label-zzz=<value>` (with =) so the resource type can be checked.',
    ],
  ])('refuses %s', (command, reason) => {
    expect(refusal(command, narrow)).toContain(reason);
  });
});

describe('resource names', () => {
  it.each([
    ['po', 'pods'],
    ['Pod', 'pods'],
    ['pods.v1.', 'pods'],
    ['deployment.apps', 'deployments'],
    ['ingress', 'ingresses'],
    ['networkpolicy', 'networkpolicies'],
    ['svc', 'services'],
  ])('%s is %s', (word, plural) => expect(pluralResource(word)).toBe(plural));
});

describe('tokenize', () => {
  it('groups quoted words and expands nothing', () => {
    expect(tokenize(`get pods -l 'app in (a, b)' "$(id)" a\\ b \`x\``)).toEqual([
      'get',
      'pods',
      '-l',
      'app in (a, b)',
      '$(id)',
      'a b',
      '`x`',
    ]);
  });

  it('says what is wrong with a bad quote', () => {
    expect(() => tokenize("get 'pods")).toThrow(new TokenizeError('a single quote is not closed'));
    expect(() => tokenize('get "pods')).toThrow('a double quote is not closed');
    expect(() => tokenize('get pods\\')).toThrow('the command ends with a lone backslash');
  });
});
