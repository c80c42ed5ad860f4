import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleBot, createConsoleBot } from '../../src/bots/console/index.js';
import type { Console } from '../../src/config/schema.js';
import { commandButton, type Message } from '../../src/contract/message.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import type { Outbound } from '../../src/delivery/destination.js';
import { botMessages, consolePane, framesSent, launchBrowser, openConsolePage } from '../support/browser.js';
import {
  type ConsoleAgent,
  consoleFormConfig,
  FrameRecorder,
  idleAgentContext,
  startConsoleAgent,
} from '../support/console-harness.js';
import { hostile } from '../support/console-page-fixtures.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

/*
 * A `form` answer (Botkube's PopupMessage) to a click in the web console opens as a dialog in the
 * page that clicked, as Slack opens it as a modal: headless Chromium against a real agent with the
 * executor fixture (`fixture ask` → a button running `fixture form`), and a console bot on its own
 * driven through openModal for what no plugin answers (hostile text, buttons, multi-selects, a
 * socket that has gone).
 */

let run: ConsoleAgent;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  [run, browser] = await Promise.all([
    startConsoleAgent(consoleFormConfig, {}, { executorFixture: true }),
    launchBrowser(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await run?.agent.stop();
  // Nothing the page did may have thrown, logged an error, or broken its own policy.
  expect(problems).toEqual([]);
});

async function openConsole(url = run.url, channel?: string): Promise<Page> {
  return (await openConsolePage(browser, url, { problems, ...(channel ? { channel } : {}) })).page;
}

const dialogOpen = (page: Page) =>
  page.locator('#form-dialog').evaluate((d) => (d as unknown as { open: boolean }).open);
/** The commands a page sent from controls (not typed). */
const clicked = (page: Page) => framesSent(page).filter((f) => f.origin !== 'typed');

async function typeCommand(page: Page, text: string): Promise<void> {
  await page.fill('#command', text);
  await page.press('#command', 'Enter');
}

/** Types `echo <marker>` and waits for its reply in `pages`: everything sent before has arrived. */
async function settle(page: Page, marker: string, pages: Page[] = [page]): Promise<void> {
  await typeCommand(page, `echo ${marker}`);
  await Promise.all(
    pages.map((p) => botMessages(p, 'ops', marker).locator('pre.code').first().waitFor({ timeout: 15_000 })),
  );
}

/** Runs `fixture ask` and clicks its "Open form" button; resolves once the dialog is open. */
async function openForm(page: Page): Promise<void> {
  await typeCommand(page, 'fixture ask');
  const ask = botMessages(page, 'ops', 'open the form').last();
  await ask.waitFor({ timeout: 15_000 });
  await ask.locator('button', { hasText: 'Open form' }).click();
  await page.locator('#form-dialog[open]').waitFor({ timeout: 15_000 });
}

describe('console forms as dialogs (headless Chromium, real agent)', () => {
  it('opens a form answered to a click as a dialog in that page only, posting nothing, and Submit runs each field', async () => {
    const page = await openConsole();
    const other = await openConsole();
    await openForm(page);
    const dialog = page.locator('#form-dialog');
    await expect(dialog.locator('#form-title').textContent()).resolves.toBe('Form for #ops');
    await expect(dialog.locator('.body').textContent()).resolves.toContain('Choose what to echo');
    await expect(dialog.locator('h3').textContent()).resolves.toBe('Echo form');
    await expect(dialog.locator('select option').allTextContents()).resolves.toEqual([
      'Word…',
      'alpha',
      'beta',
    ]);
    await expect(dialog.locator('.input-label span').textContent()).resolves.toBe('Text to echo');
    await expect(dialog.locator('button').allTextContents()).resolves.toEqual(['Cancel', 'Submit']);

    // The click is shown in the channel as any click is; the form is not, in either tab.
    await consolePane(other, 'ops')
      .locator('li.msg-user', { hasText: 'fixture form' })
      .waitFor({ timeout: 15_000 });
    await settle(other, 'settled-one', [page, other]);
    await expect(botMessages(page, 'ops', 'Choose what to echo').count()).resolves.toBe(0);
    await expect(botMessages(other, 'ops', 'Choose what to echo').count()).resolves.toBe(0);
    await expect(dialogOpen(other)).resolves.toBe(false);
    await expect(dialogOpen(page)).resolves.toBe(true);

    await dialog.locator('select').selectOption('beta');
    await dialog.locator('input[type="text"]').fill('hello form');
    await dialog.locator('button', { hasText: 'Submit' }).click();
    await page.locator('#form-dialog:not([open])').waitFor({ state: 'attached', timeout: 15_000 });
    for (const p of [page, other]) {
      await expect(
        botMessages(p, 'ops', 'by @web')
          .locator('pre.code', { hasText: /^beta$/ })
          .first()
          .textContent({
            timeout: 15_000,
          }),
      ).resolves.toBe('beta');
      await expect(
        botMessages(p, 'ops', 'typed hello form')
          .locator('pre.code')
          .first()
          .textContent({ timeout: 15_000 }),
      ).resolves.toBe('typed hello form');
    }
    // Each field ran the command it runs inline, in the form's channel, with its own origin.
    expect(clicked(page).filter((f) => f.origin !== 'button')).toEqual([
      expect.objectContaining({
        channel: 'ops',
        text: '@Switchboard fixture echo',
        origin: 'select',
        value: 'beta',
      }),
      expect.objectContaining({
        channel: 'ops',
        text: '@Switchboard fixture echo typed',
        origin: 'text-input',
        value: 'hello form',
      }),
    ]);
    expect(clicked(page).some((f) => 'source' in f && f.origin !== 'button')).toBe(false);
    await Promise.all([page.close(), other.close()]);
  });

  it('closes on Cancel and on Esc without running anything; Submit runs only the fields that were filled', async () => {
    const page = await openConsole();
    await openForm(page);
    const dialog = page.locator('#form-dialog');
    await dialog.locator('select').selectOption('alpha');
    await dialog.locator('input[type="text"]').fill('never sent');
    await dialog.locator('button', { hasText: 'Cancel' }).click();
    await expect(dialogOpen(page)).resolves.toBe(false);

    await openForm(page);
    await dialog.locator('input[type="text"]').fill('never sent either');
    await page.keyboard.press('Escape');
    await page.locator('#form-dialog:not([open])').waitFor({ state: 'attached', timeout: 15_000 });
    await settle(page, 'after-cancel');
    expect(clicked(page).filter((f) => f.origin !== 'button')).toEqual([]);
    await expect(consolePane(page, 'ops').locator('li', { hasText: 'never sent' }).count()).resolves.toBe(0);

    // Only the select is filled: only it runs; Enter in the input submits too.
    await openForm(page);
    await expect(dialog.locator('input[type="text"]').inputValue()).resolves.toBe('');
    await dialog.locator('select').selectOption('alpha');
    await dialog.locator('input[type="text"]').press('Enter');
    await page.locator('#form-dialog:not([open])').waitFor({ state: 'attached', timeout: 15_000 });
    await botMessages(page, 'ops', 'by @web')
      .locator('pre.code', { hasText: /^alpha$/ })
      .first()
      .waitFor({
        timeout: 15_000,
      });
    expect(clicked(page).filter((f) => f.origin !== 'button')).toEqual([
      expect.objectContaining({ origin: 'select', value: 'alpha' }),
    ]);
    await page.close();
  });

  it('posts a typed `fixture form` in the channel as a message, with no dialog', async () => {
    const page = await openConsole();
    await typeCommand(page, 'fixture form');
    const form = botMessages(page, 'ops', 'Choose what to echo').last();
    await form.waitFor({ timeout: 15_000 });
    await expect(form.locator('select option').allTextContents()).resolves.toEqual([
      'Word…',
      'alpha',
      'beta',
    ]);
    await expect(form.locator('button', { hasText: 'Send' }).count()).resolves.toBe(1);
    await expect(dialogOpen(page)).resolves.toBe(false);
    await page.close();
  });
});

/** A console bot without an agent, one channel `web`; it keeps the commands it receives. */
async function startBareConsole(): Promise<{ bot: ConsoleBot; url: string; commands: InboundCommand[] }> {
  const bot = createConsoleBot({
    id: 'local/console',
    settings: {
      enabled: true,
      address: '127.0.0.1',
      port: 0,
      channels: {
        web: { name: 'web', notification: { disabled: false }, bindings: { sources: [], executors: [] } },
      },
    } as unknown as Console,
    logger: createTestLogger('silent').logger,
    context: idleAgentContext(),
  });
  const commands: InboundCommand[] = [];
  await bot.start((c) => commands.push(c));
  const url = bot.url();
  if (!url) throw new Error('the bare console is not listening');
  return { bot, url, commands };
}

const formOutbound = (message: Message, trigger: InboundCommand['modalTrigger']): Outbound => ({
  address: { destinationId: 'local/console', channelId: 'web' },
  message,
  ...(trigger ? { modalTrigger: trigger } : {}),
});

const simpleForm: Message = {
  type: 'form',
  baseBody: { plaintext: 'a form' },
  sections: [{ header: 'Form' }],
};

describe('ConsoleBot.openModal (a console bot on its own)', () => {
  it('sends the form only to the connection that clicked and keeps it out of history; resolves undefined once that socket has gone', async () => {
    const { bot, url, commands } = await startBareConsole();
    try {
      const ada = await FrameRecorder.connect(url, { user: 'ada' });
      const bob = await FrameRecorder.connect(url, { user: 'bob' });
      ada.send({ type: 'command', channel: 'web', text: 'typed thing', origin: 'typed', ref: 'r1' });
      ada.send({ type: 'command', channel: 'web', text: 'open it', origin: 'button', ref: 'r2' });
      await waitFor(() => commands.length === 2, 15_000, 'two commands');
      expect(commands[0]?.modalTrigger).toBeUndefined();
      const trigger = commands[1]?.modalTrigger;
      expect(trigger).toEqual({ id: expect.stringMatching(/\/r2$/), receivedAt: expect.any(Number) });

      const ref = await bot.openModal?.(formOutbound(simpleForm, trigger));
      expect(ref).toEqual({ channelId: 'web', messageId: expect.stringMatching(/^form:/) });
      await waitFor(() => ada.of('form').length === 1, 15_000, 'the form frame');
      expect(ada.of('form')[0]).toMatchObject({
        type: 'form',
        id: ref?.messageId,
        channel: 'web',
        ref: 'r2',
        form: { baseBody: { plaintext: 'a form' }, sections: [{ header: 'Form' }] },
      });
      // A message delivered after the form reaches bob: had the form gone to him, it would be there.
      await bot.deliver({
        address: { destinationId: 'local/console', channelId: 'web' },
        message: { baseBody: { plaintext: 'after' } },
      });
      await waitFor(() => bob.botTexts('web').some((t) => t.includes('after')), 15_000, 'the later message');
      expect(bob.of('form')).toEqual([]);
      const late = await FrameRecorder.connect(url);
      // connect() returns at the hello; history and status follow it. Status is the welcome's last frame.
      await waitFor(() => late.of('status').length > 0, 15_000, 'the welcome frames');
      const history = late.of('history').find((h) => h.channel === 'web');
      expect(history?.messages.map((m) => m.message?.baseBody.plaintext ?? m.text)).toEqual([
        'typed thing',
        'open it',
        'after',
      ]);
      // A trigger naming no connection of this console, and a typed command's absent trigger.
      expect(
        await bot.openModal?.(formOutbound(simpleForm, { id: 'c999/r1', receivedAt: Date.now() })),
      ).toBeUndefined();
      expect(await bot.openModal?.(formOutbound(simpleForm, undefined))).toBeUndefined();

      ada.close();
      await waitFor(() => ada.closed, 15_000, 'ada to close');
      await waitFor(
        async () => (await bot.openModal?.(formOutbound(simpleForm, trigger))) === undefined,
        15_000,
        'openModal to fall back once the socket has gone',
      );
      expect(ada.of('form')).toHaveLength(1);
      bob.close();
      late.close();
    } finally {
      await bot.stop();
    }
  });

  it('shows hostile text in the dialog as text; a button in it runs and closes it; a multi-select submits its values', async () => {
    const { bot, url, commands } = await startBareConsole();
    const page = await openConsole(url);
    try {
      await bot.deliver({
        address: { destinationId: 'local/console', channelId: 'web' },
        message: {
          baseBody: { plaintext: 'ask' },
          sections: [{ buttons: [commandButton('Open', 'open hostile')] }],
        },
      });
      const hostileForm: Message = {
        type: 'form',
        baseBody: { plaintext: hostile(1) },
        sections: [
          {
            header: hostile(2),
            buttons: [commandButton(hostile(3), 'ack it')],
            selects: {
              items: [
                {
                  name: hostile(4),
                  command: 'pick',
                  optionGroups: [{ name: hostile(5), options: [{ name: hostile(6), value: 'v' }] }],
                },
              ],
            },
            multiSelect: {
              name: hostile(7),
              command: 'regions',
              options: [
                { name: 'EU', value: 'eu' },
                { name: 'US', value: 'us' },
              ],
            },
            plaintextInputs: [{ command: 'note', text: hostile(8), placeholder: hostile(9) }],
          },
        ],
      };
      const click = async (): Promise<void> => {
        const before = commands.length;
        await botMessages(page, 'web', 'ask').locator('button', { hasText: 'Open' }).click();
        await waitFor(() => commands.length > before, 15_000, 'the click');
        const trigger = commands[commands.length - 1]?.modalTrigger;
        expect(await bot.openModal?.(formOutbound(hostileForm, trigger))).toBeDefined();
        await page.locator('#form-dialog[open]').waitFor({ timeout: 15_000 });
      };
      await click();
      const dialog = page.locator('#form-dialog');
      await expect(dialog.locator('#form-body > .body').textContent()).resolves.toContain(hostile(1));
      await expect(dialog.locator('h3').textContent()).resolves.toBe(hostile(2));
      await expect(dialog.locator('.buttons button').textContent()).resolves.toBe(hostile(3));
      await expect(dialog.locator('.select-name').textContent()).resolves.toBe(hostile(4));
      await expect(dialog.locator('optgroup').getAttribute('label')).resolves.toBe(hostile(5));
      await expect(dialog.locator('option[value="v"]').textContent()).resolves.toBe(hostile(6));
      await expect(dialog.locator('legend').textContent()).resolves.toBe(hostile(7));
      await expect(dialog.locator('.input-label span').textContent()).resolves.toBe(hostile(8));
      await expect(dialog.locator('input[type="text"]').getAttribute('placeholder')).resolves.toBe(
        hostile(9),
      );
      await expect(dialog.locator('script, img, b').count()).resolves.toBe(0);
      await expect(
        page.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
      ).resolves.toBeUndefined();

      // Only the multi-select is filled: it alone runs, as `<command> <v1>,<v2>`.
      await dialog.locator('label', { hasText: 'EU' }).locator('input').check();
      await dialog.locator('label', { hasText: 'US' }).locator('input').check();
      await expect(dialog.locator('button', { hasText: 'Apply' }).count()).resolves.toBe(0);
      let before = commands.length;
      await dialog.locator('button', { hasText: 'Submit' }).click();
      await waitFor(() => commands.length > before, 15_000, 'the submitted multi-select');
      await expect(dialogOpen(page)).resolves.toBe(false);
      expect(commands.slice(before)).toEqual([
        expect.objectContaining({
          text: 'regions eu,us',
          origin: 'multi-select',
          channel: { id: 'web', name: 'web' },
        }),
      ]);

      await click();
      before = commands.length;
      await dialog.locator('.buttons button').click();
      await waitFor(() => commands.length > before, 15_000, 'the button in the dialog');
      expect(commands.slice(before)).toEqual([
        expect.objectContaining({ text: '@Switchboard ack it', origin: 'button' }),
      ]);
      await expect(dialogOpen(page)).resolves.toBe(false);
      await expect(
        page.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
      ).resolves.toBeUndefined();
    } finally {
      await page.close();
      await bot.stop();
    }
  });
});
