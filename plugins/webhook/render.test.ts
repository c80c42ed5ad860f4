import { describe, expect, it } from 'vitest';
import { pickTemplate, readyTemplates } from './ready-templates.js';
import { renderPayload } from './render.js';

const githubPush = {
  ref: 'refs/heads/main',
  compare: 'https://github.com/acme/shop/compare/abc...def',
  pusher: { name: 'ada' },
  repository: { full_name: 'acme/shop' },
  commits: [
    { id: '1111111aaaa', message: 'Fix checkout\n\nDetails', author: { name: 'Ada' } },
    { id: '2222222bbbb', message: 'Add tests', author: { name: 'Bob' } },
  ],
};
const githubPullRequest = {
  action: 'opened',
  number: 42,
  pull_request: {
    title: 'Faster search',
    html_url: 'https://github.com/acme/shop/pull/42',
    state: 'open',
    user: { login: 'ada' },
    head: { ref: 'fast-search' },
    base: { ref: 'main' },
  },
  repository: { full_name: 'acme/shop' },
  sender: { login: 'ada' },
};
const gitlabPipeline = {
  object_kind: 'pipeline',
  object_attributes: {
    id: 31,
    ref: 'main',
    status: 'failed',
    duration: 63,
    url: 'https://gitlab.example/p/-/pipelines/31',
  },
  project: { path_with_namespace: 'acme/shop' },
  commit: { message: 'Bump deps\n' },
  user: { name: 'Ada' },
  builds: [
    { stage: 'test', name: 'unit', status: 'failed' },
    { stage: 'build', name: 'image', status: 'success' },
  ],
};

describe('ready templates', () => {
  it('renders a GitHub push: repository, branch, commits and a compare link', () => {
    expect(renderPayload(readyTemplates['github-push'], githubPush)).toEqual({
      baseBody: {},
      sections: [
        {
          header: 'acme/shop: ada pushed to main',
          bulletLists: [
            { title: 'Commits', items: ['1111111 Fix checkout (Ada)', '2222222 Add tests (Bob)'] },
          ],
          buttons: [{ name: 'Compare changes', url: githubPush.compare }],
        },
      ],
    });
  });

  it('renders a GitHub pull request', () => {
    const [section] = renderPayload(readyTemplates['github-pull-request'], githubPullRequest).sections ?? [];
    expect(section).toEqual({
      header: 'acme/shop: pull request #42 opened',
      description: 'Faster search',
      textFields: [
        { key: 'Author', value: 'ada' },
        { key: 'Branches', value: 'fast-search → main' },
        { key: 'State', value: 'open' },
        { key: 'By', value: 'ada' },
      ],
      buttons: [{ name: 'Open pull request', url: 'https://github.com/acme/shop/pull/42' }],
    });
  });

  it('renders a GitLab pipeline, leaving out what is missing', () => {
    const [section] =
      renderPayload(readyTemplates['gitlab-pipeline'], { ...gitlabPipeline, user: undefined }).sections ?? [];
    expect(section?.header).toBe('acme/shop: pipeline #31 failed');
    expect(section?.textFields).toEqual([
      { key: 'Ref', value: 'main' },
      { key: 'Commit', value: 'Bump deps' },
      { key: 'Duration (s)', value: '63' },
    ]);
    expect(section?.bulletLists?.[0]?.items).toEqual(['test / unit: failed', 'build / image: success']);
  });

  it('renders anything else as JSON, and counts list items beyond the maximum', () => {
    expect(renderPayload(readyTemplates.generic, { a: 1 }).sections?.[0]).toEqual({
      header: 'Incoming webhook',
      body: { codeBlock: '{\n  "a": 1\n}' },
    });
    const many = {
      ...githubPush,
      commits: Array.from({ length: 12 }, (_, i) => ({ id: `${i}`, message: 'm', author: { name: 'x' } })),
    };
    const items =
      renderPayload(readyTemplates['github-push'], many).sections?.[0]?.bulletLists?.[0]?.items ?? [];
    expect(items).toHaveLength(11);
    expect(items.at(-1)).toBe('… and 2 more');
  });

  it('drops links that are not http(s)', () => {
    const section = renderPayload({ title: 't', links: [{ name: 'x', url: 'javascript:alert(1)' }] }, {})
      .sections?.[0];
    expect(section).toEqual({ header: 't' });
  });
});

describe('pickTemplate (auto)', () => {
  it('follows the event header when the host passed headers', () => {
    expect(pickTemplate({ 'x-github-event': 'push' }, {})).toBe('github-push');
    expect(pickTemplate({ 'x-github-event': 'pull_request' }, {})).toBe('github-pull-request');
    expect(pickTemplate({ 'x-github-event': 'ping' }, githubPush)).toBe('generic');
    expect(pickTemplate({ 'x-gitlab-event': 'Pipeline Hook' }, {})).toBe('gitlab-pipeline');
  });

  it('recognises the payload shape otherwise', () => {
    expect(pickTemplate({}, githubPush)).toBe('github-push');
    expect(pickTemplate({}, githubPullRequest)).toBe('github-pull-request');
    expect(pickTemplate({}, gitlabPipeline)).toBe('gitlab-pipeline');
    expect(pickTemplate({}, { hello: 'world' })).toBe('generic');
    expect(pickTemplate({}, [1, 2])).toBe('generic');
  });
});
