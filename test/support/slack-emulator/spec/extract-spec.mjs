#!/usr/bin/env node
// Regenerates the vendored Slack spec subset the emulator's conformance checks use.
// Usage: node test/support/slack-emulator/spec/extract-spec.mjs ../shared/specs/slack
// Only the methods the emulator serves are kept (plus every definition they reference), so the
// repository carries ~100 kB instead of the 1 MB archived spec; the content is copied unchanged,
// and every relaxation is applied in code (spec-validation.ts) where it is documented.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const METHODS = [
  'auth.test',
  'chat.delete',
  'chat.getPermalink',
  'chat.postEphemeral',
  'chat.postMessage',
  'chat.update',
  'conversations.info',
  'conversations.list',
  'conversations.members',
  'conversations.open',
  'users.info',
  'views.open',
];

const source = process.argv[2];
if (!source) {
  console.error(
    'usage: extract-spec.mjs <dir holding web-api-openapi-v2.json, events-api-asyncapi-v1.json, event-wrapper-schema.json>',
  );
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const spec = JSON.parse(readFileSync(join(source, 'web-api-openapi-v2.json'), 'utf8'));

const paths = {};
for (const method of METHODS) {
  const entry = spec.paths[`/${method}`];
  if (!entry) throw new Error(`method ${method} is not in the spec`);
  paths[`/${method}`] = entry;
}

const definitions = {};
const pending = [paths];
while (pending.length > 0) {
  const node = pending.pop();
  if (node === null || typeof node !== 'object') continue;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const name = value.replace('#/definitions/', '');
      if (!(name in definitions)) {
        if (!(name in spec.definitions)) throw new Error(`dangling $ref ${value}`);
        definitions[name] = spec.definitions[name];
        pending.push(definitions[name]);
      }
    } else pending.push(value);
  }
}

const subset = {
  swagger: spec.swagger,
  info: {
    ...spec.info,
    'x-subset-of': 'slackapi/slack-api-specs web-api/slack_web_openapi_v2.json (MIT, see LICENSE)',
    'x-methods': METHODS,
  },
  basePath: spec.basePath,
  paths,
  definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(join(here, 'web-api-subset.json'), `${JSON.stringify(subset, null, 2)}\n`);
writeFileSync(
  join(here, 'event-wrapper-schema.json'),
  readFileSync(join(source, 'event-wrapper-schema.json')),
);
// The AsyncAPI `message` topic is generated from a message_deleted sample, so it only fits that subtype.
const asyncapi = JSON.parse(readFileSync(join(source, 'events-api-asyncapi-v1.json'), 'utf8'));
writeFileSync(
  join(here, 'message-topic-schema.json'),
  `${JSON.stringify(asyncapi.topics.message.subscribe.payload, null, 2)}\n`,
);
writeFileSync(join(here, 'LICENSE'), readFileSync(join(source, 'LICENSE')));
console.log(`wrote ${METHODS.length} methods and ${Object.keys(definitions).length} definitions`);
