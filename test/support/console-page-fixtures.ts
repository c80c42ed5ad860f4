import { afterAll, beforeAll, expect } from 'vitest';
import { createConsoleBot } from '../../src/bots/console/index.js';
import type { Console } from '../../src/config/schema.js';
import { commandButton, type Message, urlButton } from '../../src/contract/message.js';
import { Secret } from '../../src/core/secret.js';
import {
  type ConsoleAgent,
  consoleTestConfig,
  consoleTestScripts,
  idleAgentContext,
  startConsoleAgent,
} from './console-harness.js';
import { createTestLogger } from './test-logger.js';

/*
 * What the console page tests feed the page, shared by the Chromium and the Firefox test so both
 * browsers are checked against the same events and messages.
 */

/**
 * Registers the suite's set-up: one agent (the console test config) and one browser for the whole
 * file, handed to `ready`; after all tests, both stop and the file fails if `problems` (page
 * errors the test collected) is not empty.
 */
export function useConsoleAndBrowser<B extends { close(): Promise<void> }>(
  launch: () => Promise<B>,
  ready: (run: ConsoleAgent, browser: B) => void,
  problems: string[],
): void {
  let run: ConsoleAgent | undefined;
  let browser: B | undefined;
  beforeAll(async () => {
    [run, browser] = await Promise.all([startConsoleAgent(consoleTestConfig, consoleTestScripts), launch()]);
    ready(run, browser);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await run?.agent.stop();
    // Nothing the page did may have thrown, logged an error, or broken its own policy.
    expect(problems).toEqual([]);
  });
}

/** Posts `body` to the webhook source group `group` of the agent at `webhooksUrl`. */
export async function postEvent(webhooksUrl: string, group: 'hooks' | 'notes', body: unknown): Promise<void> {
  const response = await fetch(`${webhooksUrl}/sources/v1/${group}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) {
    throw new Error(`POST ${group} answered ${response.status}: ${await response.text()}`);
  }
}

/** Markup that would set `window.__pwned = n` if the page ever parsed it as HTML. */
export const hostile = (n: number): string =>
  `<script>window.__pwned = ${n}</script><img src=x onerror="window.__pwned = ${n}"><b>bold?</b>`;

/**
 * Every part of the message model in one message for channel `dev`: rich text, a section with
 * header, description, code, fields, a list, command, URL and `javascript:` buttons and context;
 * then a select (`echo picked <value>`), a multi-select (`echo regions <values>`, EU preset) and
 * a text input (`echo note <text>`).
 */
export const fullMessage: Message = {
  baseBody: { plaintext: 'Deploy **checkout** `v2`, see [the runbook](https://example.com/rb)' },
  timestamp: '2026-01-02T03:04:05Z',
  sections: [
    {
      header: 'Rollout',
      description: 'Canary at _10%_',
      body: { codeBlock: 'kubectl rollout status deploy/checkout' },
      textFields: [
        { key: 'Namespace', value: 'shop' },
        { key: 'Replicas', value: '3/3' },
      ],
      bulletLists: [{ title: 'Pods', items: ['checkout-1', 'checkout-2'] }],
      buttons: [
        commandButton('Promote', 'echo promoted', { style: 'primary', description: 'echo promoted' }),
        commandButton('Abort', 'echo aborted', { style: 'danger' }),
        urlButton('Dashboard', 'https://grafana.example.com/d/1'),
        urlButton('Evil', 'javascript:alert(1)'),
      ],
      context: [{ text: 'by `ci` at 03:04' }],
    },
    {
      selects: {
        items: [
          {
            name: 'Colour',
            command: '{{BotName}} echo picked',
            optionGroups: [
              {
                name: 'warm',
                options: [
                  { name: 'Red', value: 'red' },
                  { name: 'Orange', value: 'orange' },
                ],
              },
              { name: 'cool', options: [{ name: 'Blue', value: 'blue' }] },
            ],
          },
        ],
      },
      multiSelect: {
        name: 'Regions',
        command: '{{BotName}} echo regions',
        options: [
          { name: 'EU', value: 'eu' },
          { name: 'US', value: 'us' },
          { name: 'Asia', value: 'asia' },
        ],
        initialOptions: [{ name: 'EU', value: 'eu' }],
      },
      plaintextInputs: [{ command: '{{BotName}} echo note', text: 'Note', placeholder: 'say something' }],
    },
  ],
};

export interface TokenConsole {
  /** The page URL without the token. */
  url: string;
  token: string;
  /** Command texts the console received, in order. */
  commands: string[];
  stop(): Promise<void>;
}

/**
 * A console bot on its own (no agent) that needs `token`, with one channel `web`; it records the
 * commands it receives.
 */
export async function startTokenConsole(token: string): Promise<TokenConsole> {
  const settings = {
    enabled: true,
    address: '127.0.0.1',
    port: 0,
    token: Secret.of(token),
    channels: {
      web: { name: 'web', notification: { disabled: false }, bindings: { sources: [], executors: [] } },
    },
  } as Console;
  const bot = createConsoleBot({
    id: 'local/console',
    settings,
    logger: createTestLogger('silent').logger,
    context: idleAgentContext(),
  });
  const commands: string[] = [];
  await bot.start((c) => commands.push(c.text));
  const url = bot.url();
  if (!url) {
    await bot.stop();
    throw new Error('the token console is not listening');
  }
  return { url, token, commands, stop: () => bot.stop() };
}
