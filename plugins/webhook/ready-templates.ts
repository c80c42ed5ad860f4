import type { MessageTemplate } from './config.js';

/** Ready templates, by name. `auto` picks one per request (see {@link pickTemplate}). */
export const readyTemplateNames = [
  'auto',
  'generic',
  'github-push',
  'github-pull-request',
  'gitlab-pipeline',
] as const;
export type ReadyTemplateName = (typeof readyTemplateNames)[number];

export const readyTemplates: Record<Exclude<ReadyTemplateName, 'auto'>, MessageTemplate> = {
  generic: {
    title: 'Incoming webhook',
    // Chat platforms cut long messages anyway; cutting here keeps the JSON readable.
    codeBlock: '{{ . | json | truncate 3000 }}',
  },
  'github-push': {
    title: '{{ .repository.full_name }}: {{ .pusher.name }} pushed to {{ .ref | trimPrefix "refs/heads/" }}',
    list: {
      title: 'Commits',
      items: '.commits',
      item: '{{ .id | slice 0 7 }} {{ .message | firstLine | truncate 100 }} ({{ .author.name }})',
      max: 10,
    },
    links: [{ name: 'Compare changes', url: '{{ .compare }}' }],
  },
  'github-pull-request': {
    title: '{{ .repository.full_name }}: pull request #{{ .number }} {{ .action }}',
    text: '{{ .pull_request.title }}',
    fields: [
      { key: 'Author', value: '{{ .pull_request.user.login }}' },
      { key: 'Branches', value: '{{ .pull_request.head.ref }} → {{ .pull_request.base.ref }}' },
      { key: 'State', value: '{{ .pull_request.state }}' },
      { key: 'By', value: '{{ .sender.login }}' },
    ],
    links: [{ name: 'Open pull request', url: '{{ .pull_request.html_url }}' }],
  },
  'gitlab-pipeline': {
    title:
      '{{ .project.path_with_namespace }}: pipeline #{{ .object_attributes.id }} {{ .object_attributes.status }}',
    fields: [
      { key: 'Ref', value: '{{ .object_attributes.ref }}' },
      { key: 'Commit', value: '{{ .commit.message | firstLine | truncate 100 }}' },
      { key: 'Triggered by', value: '{{ .user.name }}' },
      { key: 'Duration (s)', value: '{{ .object_attributes.duration }}' },
    ],
    list: { title: 'Jobs', items: '.builds', item: '{{ .stage }} / {{ .name }}: {{ .status }}', max: 20 },
    links: [{ name: 'Open pipeline', url: '{{ .object_attributes.url | default "" }}' }],
  },
};

/**
 * The template for one request under `auto`: by the sender's event header when the host passed
 * headers (`X-GitHub-Event`, `X-Gitlab-Event`), else by the payload's shape, else `generic`.
 */
export function pickTemplate(
  headers: Record<string, string>,
  payload: unknown,
): Exclude<ReadyTemplateName, 'auto'> {
  const github = headers['x-github-event'];
  if (github === 'push') return 'github-push';
  if (github === 'pull_request') return 'github-pull-request';
  if (github !== undefined) return 'generic';
  const gitlab = headers['x-gitlab-event'];
  if (gitlab === 'Pipeline Hook') return 'gitlab-pipeline';
  if (gitlab !== undefined) return 'generic';
  if (typeof payload !== 'object' || payload === null) return 'generic';
  const p = payload as Record<string, unknown>;
  if (p.object_kind === 'pipeline') return 'gitlab-pipeline';
  if (typeof p.action === 'string' && typeof p.pull_request === 'object') return 'github-pull-request';
  if (typeof p.ref === 'string' && Array.isArray(p.commits) && typeof p.repository === 'object')
    return 'github-push';
  return 'generic';
}
