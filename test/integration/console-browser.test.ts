import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { botMessages, consolePane, framesSent, launchBrowser, openConsolePage } from '../support/browser.js';
import type { ConsoleAgent } from '../support/console-harness.js';
import {
  fullMessage,
  hostile,
  postEvent,
  startTokenConsole,
  useConsoleAndBrowser,
} from '../support/console-page-fixtures.js';

/*
 * The console page in headless Chromium against a real agent: typing commands, clicking
 * buttons and selects, live notifications, streaming edits, escaping, the status panel, and the
 * token sign-in. Each test opens its own tab; the agent and the browser are shared.
 */

let run: ConsoleAgent;
let browser: Browser;
const problems: string[] = [];
useConsoleAndBrowser(
  launchBrowser,
  (r, b) => {
    run = r;
    browser = b;
  },
  problems,
);

async function openConsole(url = run.url, channel?: string): Promise<Page> {
  return (await openConsolePage(browser, url, { problems, ...(channel ? { channel } : {}) })).page;
}

const post = (group: 'hooks' | 'notes', body: unknown) => postEvent(run.webhooksUrl, group, body);

/** What an in-page function reads of a message item (the project compiles without the DOM lib). */
interface Shown {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}

describe('console page (headless Chromium)', () => {
  it('runs a typed command and renders the reply with its button and context line', async () => {
    const page = await openConsole();
    await expect(page.locator('#channel-list button').allTextContents()).resolves.toEqual(['#ops', '#dev']);
    await page.fill('#command', 'echo hello browser');
    await page.press('#command', 'Enter');
    const reply = botMessages(page, 'ops', 'hello browser');
    await reply.waitFor({ timeout: 15_000 });
    await expect(reply.locator('pre.code').textContent()).resolves.toBe('hello browser');
    await expect(reply.locator('button.btn').textContent()).resolves.toBe('Echo again');
    await expect(reply.locator('.context code').first().textContent()).resolves.toBe('echo hello browser');
    await expect(reply.locator('time').first().getAttribute('datetime')).resolves.toMatch(
      /^\d{4}-\d\d-\d\dT/,
    );
    const mine = consolePane(page, 'ops').locator('li.msg-user', { hasText: 'echo hello browser' });
    await expect(mine.locator('.author').textContent()).resolves.toBe('web');
    await expect(page.inputValue('#command')).resolves.toBe('');
    await page.close();
  });

  it("runs a button's command when clicked, credited to the clicker", async () => {
    const page = await openConsole();
    await page.fill('#command', 'echo click me');
    await page.press('#command', 'Enter');
    const reply = botMessages(page, 'ops', 'click me').first();
    await reply.waitFor({ timeout: 15_000 });
    await reply.locator('button', { hasText: 'Echo again' }).click();
    await consolePane(page, 'ops')
      .locator('li.msg-user', { hasText: '(button)' })
      .last()
      .waitFor({ timeout: 15_000 });
    await botMessages(page, 'ops', 'by @web').filter({ hasText: 'click me' }).waitFor({ timeout: 15_000 });
    // The click names the message it was in, so an answer marked replaceOriginal can replace it.
    expect(framesSent(page).find((f) => f.origin === 'button')).toMatchObject({
      text: '@Switchboard echo click me',
      source: await reply.getAttribute('data-id'),
    });
    await page.close();
  });

  it('shows a source notification as it arrives, with an unread count on the other channel', async () => {
    const page = await openConsole(run.url, 'dev');
    await expect(page.locator('#channel-title').textContent()).resolves.toBe('#dev');
    await post('hooks', { service: 'checkout', status: 'degraded' });
    await botMessages(page, 'ops', 'degraded').waitFor({ state: 'attached', timeout: 15_000 });
    await expect(page.locator('button[data-channel="ops"] .badge').textContent()).resolves.toBe('1');
    await page.click('button[data-channel="ops"]');
    await botMessages(page, 'ops', 'degraded').waitFor({ timeout: 15_000 });
    await expect(page.locator('button[data-channel="ops"] .badge').isHidden()).resolves.toBe(true);
    await page.close();
  });

  it('updates streaming output in place', async () => {
    const page = await openConsole(run.url, 'dev');
    await page.fill('#command', 'exec slow');
    await page.press('#command', 'Enter');
    const live = botMessages(page, 'dev', 'tick 1');
    // Read in the page the moment the first lines show: a separate read afterwards could already
    // see a later edit on a loaded machine.
    const first = await page.waitForFunction(
      () => {
        const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<Shown> } })
          .document;
        const items = Array.from(doc.querySelectorAll('.pane[data-channel="dev"] li.msg-bot')).reverse();
        const found = items.find((li) => (li.textContent ?? '').includes('tick 1'));
        return found
          ? { id: found.dataset.id ?? '', text: found.textContent ?? '', streaming: found.dataset.streaming }
          : false;
      },
      undefined,
      { timeout: 15_000 },
    );
    const {
      id,
      text: early,
      streaming,
    } = (await first.jsonValue()) as {
      id: string;
      text: string;
      streaming?: string;
    };
    expect(early).not.toContain('tick 6');
    // Still running, and the page says so.
    expect(streaming).toBe('true');
    expect(early).toContain('running…');
    // The last edit completes it: all the output, no longer marked running.
    const done = consolePane(page, 'dev').locator(`li[data-id="${id}"]:not([data-streaming])`);
    await done.waitFor({ timeout: 20_000 });
    await expect(done.textContent()).resolves.toContain('tick 6');
    await expect(done.locator('.streaming').count()).resolves.toBe(0);
    await expect(botMessages(page, 'dev', 'tick 1').count()).resolves.toBe(1);
    await expect(live.locator('.edited').count()).resolves.toBe(1);
    await page.close();
  });

  it('shows an event containing <script> and HTML as text, running none of it', async () => {
    const page = await openConsole();
    // Pretty-printed JSON (a code block), and a template putting the same into every kind of text.
    await post('hooks', { note: hostile(1) });
    await post('notes', { title: hostile(2), note: hostile(3), who: hostile(4), items: [hostile(5)] });
    const json = botMessages(page, 'ops', '<script>window.__pwned = 1</script>');
    const templated = botMessages(page, 'ops', '<script>window.__pwned = 3</script>');
    await Promise.all([json.waitFor({ timeout: 15_000 }), templated.waitFor({ timeout: 15_000 })]);
    await expect(json.textContent()).resolves.toContain('<img src=x onerror=\\"window.__pwned = 1\\">');
    await expect(templated.locator('h3').textContent()).resolves.toBe(hostile(2));
    await expect(templated.locator('.description').textContent()).resolves.toBe(hostile(3));
    await expect(templated.locator('dl.fields dd').textContent()).resolves.toBe(hostile(4));
    await expect(templated.locator('.bullets li').textContent()).resolves.toBe(hostile(5));
    await expect(page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    await expect(consolePane(page, 'ops').locator('script, img, b').count()).resolves.toBe(0);
    await page.close();
  });

  it('renders the whole message model and runs selects, multi-selects and inputs', async () => {
    const page = await openConsole(run.url, 'dev');
    await run.console.deliver({
      address: { destinationId: 'default/console', channelId: 'dev' },
      message: fullMessage,
    });
    const item = botMessages(page, 'dev', 'Rollout');
    await item.waitFor({ timeout: 15_000 });
    await expect(item.locator('.body > .text strong').textContent()).resolves.toBe('checkout');
    await expect(item.locator('.body > .text code').textContent()).resolves.toBe('v2');
    const runbook = item.locator('a', { hasText: 'the runbook' });
    await expect(runbook.getAttribute('href')).resolves.toBe('https://example.com/rb');
    await expect(runbook.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(item.locator('h3.section-header').textContent()).resolves.toBe('Rollout');
    await expect(item.locator('.description em').textContent()).resolves.toBe('10%');
    await expect(item.locator('.section pre.code').textContent()).resolves.toBe(
      'kubectl rollout status deploy/checkout',
    );
    await expect(item.locator('dl.fields dt').allTextContents()).resolves.toEqual(['Namespace', 'Replicas']);
    await expect(item.locator('dl.fields dd').allTextContents()).resolves.toEqual(['shop', '3/3']);
    await expect(item.locator('.bullets-title').textContent()).resolves.toBe('Pods');
    await expect(item.locator('.bullets li').allTextContents()).resolves.toEqual([
      'checkout-1',
      'checkout-2',
    ]);
    await expect(item.locator('button.btn-primary').textContent()).resolves.toBe('Promote');
    await expect(item.locator('button.btn-danger').textContent()).resolves.toBe('Abort');
    await expect(item.locator('.button-description').first().textContent()).resolves.toBe('echo promoted');
    await expect(item.locator('a.btn-link').getAttribute('href')).resolves.toBe(
      'https://grafana.example.com/d/1',
    );
    await expect(item.locator('a.btn-link').getAttribute('target')).resolves.toBe('_blank');
    await expect(item.locator('a[href^="javascript"]').count()).resolves.toBe(0);
    await expect(item.locator('.notice').textContent()).resolves.toContain('not http(s)');
    await expect(item.locator('.context code').textContent()).resolves.toBe('ci');
    await expect(item.locator('time.event-time').getAttribute('datetime')).resolves.toBe(
      '2026-01-02T03:04:05.000Z',
    );
    await expect(
      item
        .locator('select optgroup')
        .evaluateAll((gs) => gs.map((g) => (g as unknown as { label: string }).label)),
    ).resolves.toEqual(['warm', 'cool']);
    await expect(item.locator('.multi-option input:checked').count()).resolves.toBe(1);

    await item.locator('select').selectOption('blue');
    await botMessages(page, 'dev', 'picked blue').waitFor({ timeout: 15_000 });
    await item.locator('.multi-option', { hasText: 'Asia' }).locator('input').check();
    await item.locator('.multi-select button', { hasText: 'Apply' }).click();
    await botMessages(page, 'dev', 'regions eu,asia').waitFor({ timeout: 15_000 });
    await item.locator('.input-form input').fill('ship it');
    await item.locator('.input-form input').press('Enter');
    await botMessages(page, 'dev', 'note ship it').waitFor({ timeout: 15_000 });
    await item.locator('button.btn-primary').click();
    await botMessages(page, 'dev', 'promoted').filter({ hasText: 'by @web' }).waitFor({ timeout: 15_000 });
    const origins = await consolePane(page, 'dev').locator('li.msg-user .origin').allTextContents();
    expect(origins.slice(-4)).toEqual(['(select)', '(multi-select)', '(text-input)', '(button)']);
    await page.close();
  });

  it('shows the same traffic in every tab, and the agent status in the side panel', async () => {
    const [a, b] = [await openConsole(), await openConsole()];
    await a.fill('#command', 'echo seen by both tabs');
    await a.press('#command', 'Enter');
    await botMessages(b, 'ops', 'seen by both tabs').waitFor({ timeout: 15_000 });
    const plugins = b.locator('#status-panel [data-section="Plugins"]');
    await plugins.locator('td', { hasText: 'sb/echo' }).waitFor({ timeout: 15_000 });
    await expect(
      plugins.locator('tr', { hasText: 'sb/echo' }).locator('td.state').textContent(),
    ).resolves.toBe('running');
    await expect(b.locator('#status-panel [data-section="Platforms"]').textContent()).resolves.toContain(
      'default/console',
    );
    await expect(
      b.locator('#status-panel [data-section="Delivery queues"] h3').textContent(),
    ).resolves.toMatch(/^Delivery queues \(\d+\)$/);
    await b.click('#status-toggle');
    await expect(b.locator('#status-panel').isHidden()).resolves.toBe(true);
    // A long command is refused in the page before it is sent.
    await b.fill('#command', `echo ${'x'.repeat(9000)}`);
    await b.press('#command', 'Enter');
    await expect(b.locator('#command-error').textContent()).resolves.toContain('at most 8192');
    await Promise.all([a.close(), b.close()]);
  });

  it('signs in with the ?token= link (cookie) and works; without it the page is refused', async () => {
    const web = await startTokenConsole('browser-token');
    try {
      const refused = await browser.newPage();
      const response = await refused.goto(web.url);
      expect(response?.status()).toBe(401);
      await refused.close();
      const page = await openConsole(`${web.url}?token=${web.token}`);
      expect(page.url()).toBe(`${web.url}#web`);
      await page.fill('#command', 'ping');
      await page.press('#command', 'Enter');
      await consolePane(page, 'web').locator('li.msg-user', { hasText: 'ping' }).waitFor({ timeout: 15_000 });
      expect(web.commands).toEqual(['ping']);
      await page.close();
    } finally {
      await web.stop();
    }
  });
});
