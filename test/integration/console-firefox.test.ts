import type { Browser, Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { type ConsoleAgent, consoleFormConfig, startConsoleAgent } from '../support/console-harness.js';
import {
  fullMessage,
  hostile,
  postEvent,
  startTokenConsole,
  useConsoleAndBrowser,
} from '../support/console-page-fixtures.js';
import { launchFirefox } from '../support/firefox.js';
import { waitFor } from '../support/test-logger.js';

/*
 * The console page in headless Firefox ESR (puppeteer-core over WebDriver BiDi) against a real
 * agent: typing and recalling commands, buttons, selects and inputs, live notifications,
 * streaming edits, escaping, the Content-Security-Policy, the status panel, and the token
 * sign-in. Each test opens its own tab; the agent and the browser are shared.
 */

let run: ConsoleAgent;
let browser: Browser;
const problems: string[] = [];
useConsoleAndBrowser(
  launchFirefox,
  (r, b) => {
    run = r;
    browser = b;
  },
  problems,
);

/** The little of the DOM the in-page functions touch (the project compiles without the DOM lib). */
interface El {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  querySelectorAll(selector: string): ArrayLike<El>;
}

/** A new tab on the console, connected. Firefox reports CSP violations as page errors. */
async function openConsole(url = run.url, channel?: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${(err as Error).message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('favicon')) problems.push(`console: ${m.text()}`);
  });
  await page.goto(channel ? `${url}#${channel}` : url);
  await page.waitForSelector('#connection[data-state="open"]', { timeout: 15_000 });
  return page;
}

/** Waits until a problem matching each of `expected` was recorded, and removes those. */
async function takeProblems(...expected: RegExp[]): Promise<void> {
  await waitFor(
    () => expected.every((re) => problems.some((p) => re.test(p))),
    15_000,
    'expected page errors',
  );
  for (const re of expected) {
    const index = problems.findIndex((p) => re.test(p));
    problems.splice(index, 1);
  }
}

const paneOf = (channel: string) => `.pane[data-channel="${channel}"]`;
const item = (channel: string, id: string) => `${paneOf(channel)} li[data-id="${id}"]`;

/** Waits for the latest message in `channel` (bot or user) containing every one of `texts`; its id. */
async function waitForMessage(
  page: Page,
  channel: string,
  texts: string | string[],
  { kind = 'bot', timeout = 15_000 }: { kind?: 'bot' | 'user'; timeout?: number } = {},
): Promise<string> {
  const handle = await page.waitForFunction(
    (selector: string, wanted: string[]) => {
      const doc = (globalThis as unknown as { document: El }).document;
      const items = Array.from(doc.querySelectorAll(selector)).reverse();
      const found = items.find((li) => wanted.every((t) => (li.textContent ?? '').includes(t)));
      return found?.dataset.id ?? false;
    },
    { timeout },
    `${paneOf(channel)} li.msg-${kind}`,
    [texts].flat(),
  );
  return (await handle.jsonValue()) as string;
}

/** The text of every element matching `selector`. */
const textsOf = (page: Page, selector: string): Promise<string[]> =>
  page.$$eval(selector, (els) => els.map((e) => (e as unknown as El).textContent ?? ''));
const textOf = async (page: Page, selector: string): Promise<string> => {
  const all = await textsOf(page, selector);
  if (all.length !== 1) throw new Error(`${selector} matched ${all.length} elements`);
  return all[0] as string;
};
const attrOf = (page: Page, selector: string, name: string): Promise<string | null> =>
  page.$eval(
    selector,
    (e, n) => (e as unknown as { getAttribute(n: string): string | null }).getAttribute(n),
    name,
  );
/** A DOM property (`value`, `hidden`, …) of the first element matching `selector`. */
const propOf = (page: Page, selector: string, name: string): Promise<unknown> =>
  page.$eval(selector, (e, n) => (e as unknown as Record<string, unknown>)[n], name);

/** Types `text` into the command box and presses Enter, as a user would. */
async function typeCommand(page: Page, text: string): Promise<void> {
  await page.type('#command', text);
  await page.keyboard.press('Enter');
}

describe('console page (headless Firefox ESR)', () => {
  it('runs a typed command, renders the reply with its button and context line, and recalls it with ↑', async () => {
    const page = await openConsole();
    await expect(textsOf(page, '#channel-list button')).resolves.toEqual(['#ops', '#dev']);
    await typeCommand(page, 'echo hello firefox');
    const id = await waitForMessage(page, 'ops', 'hello firefox');
    const reply = item('ops', id);
    await expect(textOf(page, `${reply} pre.code`)).resolves.toBe('hello firefox');
    await expect(textOf(page, `${reply} button.btn`)).resolves.toBe('Echo again');
    await expect(textsOf(page, `${reply} .context code`)).resolves.toContain('echo hello firefox');
    await expect(attrOf(page, `${reply} time`, 'datetime')).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);
    const mine = await waitForMessage(page, 'ops', 'echo hello firefox', { kind: 'user' });
    await expect(textOf(page, `${item('ops', mine)} .author`)).resolves.toBe('web');
    await expect(propOf(page, '#command', 'value')).resolves.toBe('');
    await page.keyboard.press('ArrowUp');
    await expect(propOf(page, '#command', 'value')).resolves.toBe('echo hello firefox');
    await page.keyboard.press('ArrowDown');
    await expect(propOf(page, '#command', 'value')).resolves.toBe('');
    await page.close();
  });

  it("runs a button's command when clicked, credited to the clicker", async () => {
    const page = await openConsole();
    await typeCommand(page, 'echo click me');
    const id = await waitForMessage(page, 'ops', 'click me');
    await page.click(`${item('ops', id)} button.btn`);
    await waitForMessage(page, 'ops', ['echo click me', '(button)'], { kind: 'user' });
    await waitForMessage(page, 'ops', ['click me', 'by @web']);
    await page.close();
  });

  it('shows a source notification as it arrives, with an unread count on the other channel', async () => {
    const page = await openConsole(run.url, 'dev');
    await expect(textOf(page, '#channel-title')).resolves.toBe('#dev');
    await postEvent(run.webhooksUrl, 'hooks', { service: 'checkout', status: 'firefox-degraded' });
    await waitForMessage(page, 'ops', 'firefox-degraded');
    const badge = 'button[data-channel="ops"] .badge';
    await expect(textOf(page, badge)).resolves.toBe('1');
    await expect(propOf(page, paneOf('ops'), 'hidden')).resolves.toBe(true);
    await page.click('button[data-channel="ops"]');
    await expect(propOf(page, paneOf('ops'), 'hidden')).resolves.toBe(false);
    await expect(propOf(page, badge, 'hidden')).resolves.toBe(true);
    expect(page.url()).toBe(`${run.url}#ops`);
    await page.close();
  });

  it('updates streaming output in place', async () => {
    const page = await openConsole(run.url, 'dev');
    await typeCommand(page, 'exec slow');
    // Read in the page the moment the first lines show: a separate read afterwards could already
    // see a later edit on a loaded machine.
    const first = await page.waitForFunction(
      (selector: string) => {
        const doc = (globalThis as unknown as { document: El }).document;
        const items = Array.from(doc.querySelectorAll(selector)).reverse();
        const found = items.find((li) => (li.textContent ?? '').includes('tick 1'));
        return found ? { id: found.dataset.id ?? '', text: found.textContent ?? '' } : false;
      },
      { timeout: 15_000 },
      `${paneOf('dev')} li.msg-bot`,
    );
    const { id, text: early } = (await first.jsonValue()) as { id: string; text: string };
    expect(early).not.toContain('tick 6');
    await expect(waitForMessage(page, 'dev', 'tick 6', { timeout: 20_000 })).resolves.toBe(id);
    await expect(textsOf(page, `${paneOf('dev')} li.msg-bot`)).resolves.toSatisfy(
      (all: string[]) => all.filter((t) => t.includes('tick 1')).length === 1,
    );
    await expect(textsOf(page, `${item('dev', id)} .edited`)).resolves.toHaveLength(1);
    await page.close();
  });

  it('shows an event containing <script> and HTML as text, running none of it, and enforces the CSP', async () => {
    const page = await openConsole();
    await postEvent(run.webhooksUrl, 'hooks', { note: hostile(1) });
    await postEvent(run.webhooksUrl, 'notes', {
      title: hostile(2),
      note: hostile(3),
      who: hostile(4),
      items: [hostile(5)],
    });
    const json = item('ops', await waitForMessage(page, 'ops', '<script>window.__pwned = 1</script>'));
    const templated = item('ops', await waitForMessage(page, 'ops', '<script>window.__pwned = 3</script>'));
    await expect(textOf(page, json)).resolves.toContain('<img src=x onerror=\\"window.__pwned = 1\\">');
    await expect(textOf(page, `${templated} h3`)).resolves.toBe(hostile(2));
    await expect(textOf(page, `${templated} .description`)).resolves.toBe(hostile(3));
    await expect(textOf(page, `${templated} dl.fields dd`)).resolves.toBe(hostile(4));
    await expect(textOf(page, `${templated} .bullets li`)).resolves.toBe(hostile(5));
    await expect(page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    await expect(page.$$(`${paneOf('ops')} :is(script, img, b)`)).resolves.toHaveLength(0);

    // The policy holds in Firefox too, and its breaches reach the page-error check every test
    // relies on: HTML assigned as a string is refused (Trusted Types), and so is an image from
    // another origin (before any request is made).
    const refused = await page.evaluate(() => {
      interface Doc {
        body: { append(node: unknown): void };
        createElement(tag: string): { src: string; innerHTML: string };
      }
      const doc = (globalThis as unknown as { document: Doc }).document;
      const img = doc.createElement('img');
      img.src = 'http://elsewhere.invalid/pixel.png';
      doc.body.append(img);
      try {
        doc.createElement('div').innerHTML = '<b>injected</b>';
        return 'assigned';
      } catch (err) {
        return String(err);
      }
    });
    expect(refused).toMatch(/^TypeError: .*innerHTML/);
    await takeProblems(/img-src.*elsewhere\.invalid\/pixel\.png/, /require-trusted-types-for/);
    await page.close();
  });

  it('runs selects, multi-selects, inputs and buttons from the message model', async () => {
    const page = await openConsole(run.url, 'dev');
    await run.console.deliver({
      address: { destinationId: 'default/console', channelId: 'dev' },
      message: fullMessage,
    });
    const msg = item('dev', await waitForMessage(page, 'dev', 'Rollout'));
    await expect(textOf(page, `${msg} .body > .text strong`)).resolves.toBe('checkout');
    await expect(attrOf(page, `${msg} a[rel="noopener noreferrer"]`, 'href')).resolves.toBe(
      'https://example.com/rb',
    );
    await expect(textsOf(page, `${msg} dl.fields dd`)).resolves.toEqual(['shop', '3/3']);
    await expect(textsOf(page, `${msg} .bullets li`)).resolves.toEqual(['checkout-1', 'checkout-2']);
    await expect(attrOf(page, `${msg} a.btn-link`, 'href')).resolves.toBe('https://grafana.example.com/d/1');
    await expect(page.$$(`${msg} a[href^="javascript"]`)).resolves.toHaveLength(0);
    await expect(textOf(page, `${msg} .notice`)).resolves.toContain('not http(s)');
    await expect(attrOf(page, `${msg} time.event-time`, 'datetime')).resolves.toBe(
      '2026-01-02T03:04:05.000Z',
    );
    await expect(
      page.$$eval(`${msg} select optgroup`, (gs) => gs.map((g) => (g as unknown as { label: string }).label)),
    ).resolves.toEqual(['warm', 'cool']);
    await expect(page.$$(`${msg} .multi-option input:checked`)).resolves.toHaveLength(1);

    await page.select(`${msg} select`, 'blue');
    await waitForMessage(page, 'dev', 'picked blue');
    await page.click(`${msg} .multi-option input[value="asia"]`);
    await page.click(`${msg} .multi-select button`);
    await waitForMessage(page, 'dev', 'regions eu,asia');
    await page.type(`${msg} .input-form input`, 'ship it');
    await page.keyboard.press('Enter');
    await waitForMessage(page, 'dev', 'note ship it');
    await expect(propOf(page, `${msg} .input-form input`, 'value')).resolves.toBe('');
    await page.click(`${msg} button.btn-primary`);
    await waitForMessage(page, 'dev', ['promoted', 'by @web']);
    const origins = await textsOf(page, `${paneOf('dev')} li.msg-user .origin`);
    expect(origins.slice(-4)).toEqual(['(select)', '(multi-select)', '(text-input)', '(button)']);
    await page.close();
  });

  it('shows the same traffic in every tab, and the agent status in the side panel', async () => {
    const [a, b] = [await openConsole(), await openConsole()];
    await typeCommand(a, 'echo seen by both firefox tabs');
    await waitForMessage(b, 'ops', 'seen by both firefox tabs');
    const plugins = '#status-panel [data-section="Plugins"]';
    await b.waitForFunction(
      (selector: string) =>
        Array.from((globalThis as unknown as { document: El }).document.querySelectorAll(selector)).some(
          (row) => row.textContent?.includes('sb/echo'),
        ),
      { timeout: 15_000 },
      `${plugins} tr`,
    );
    const rows = await b.$$eval(`${plugins} tbody tr`, (trs) =>
      trs.map((tr) =>
        Array.from((tr as unknown as El).querySelectorAll('td')).map((td) => td.textContent ?? ''),
      ),
    );
    expect(rows.find((r) => r[0] === 'sb/echo')?.[1]).toBe('running');
    await expect(textOf(b, '#status-panel [data-section="Platforms"]')).resolves.toContain('default/console');
    await expect(textOf(b, '#status-panel [data-section="Delivery queues"] h3')).resolves.toMatch(
      /^Delivery queues \(\d+\)$/,
    );
    await b.click('#status-toggle');
    await expect(propOf(b, '#status-panel', 'hidden')).resolves.toBe(true);
    await expect(attrOf(b, '#status-toggle', 'aria-expanded')).resolves.toBe('false');
    // A long command is refused in the page before it is sent (set at once: typing 9,000 keys
    // over BiDi would take most of the test's time).
    await b.$eval('#command', (e) => {
      (e as unknown as { value: string }).value = `echo ${'x'.repeat(9000)}`;
    });
    await b.focus('#command');
    await b.keyboard.press('Enter');
    await expect(textOf(b, '#command-error')).resolves.toContain('at most 8192');
    await Promise.all([a.close(), b.close()]);
  });

  it('signs in with the ?token= link (cookie) and works; without it the page is refused', async () => {
    const web = await startTokenConsole('firefox-token');
    try {
      const refused = await browser.newPage();
      const response = await refused.goto(web.url);
      expect(response?.status()).toBe(401);
      await refused.close();
      const page = await openConsole(`${web.url}?token=${web.token}`);
      expect(page.url()).toBe(`${web.url}#web`);
      await typeCommand(page, 'ping');
      await waitForMessage(page, 'web', 'ping', { kind: 'user' });
      expect(web.commands).toEqual(['ping']);
      await page.close();
    } finally {
      await web.stop();
    }
  });

  it('opens a form answered to a click as a dialog, posting nothing, and Submit runs its fields', async () => {
    // Its own agent: the shared one has no plugin that answers a form.
    const forms = await startConsoleAgent(consoleFormConfig, {}, { executorFixture: true });
    try {
      const page = await openConsole(forms.url);
      await typeCommand(page, 'fixture ask');
      const ask = await waitForMessage(page, 'ops', 'open the form');
      await page.click(`${item('ops', ask)} button.btn`);
      await page.waitForSelector('#form-dialog[open]', { timeout: 15_000 });
      await expect(textOf(page, '#form-dialog h3')).resolves.toBe('Echo form');
      await page.select('#form-dialog select', 'beta');
      await page.type('#form-dialog input[type="text"]', 'from firefox');
      await page.click('#form-submit');
      await waitForMessage(page, 'ops', ['typed from firefox', 'by @web']);
      await waitForMessage(page, 'ops', ['beta', 'by @web']);
      await expect(propOf(page, '#form-dialog', 'open')).resolves.toBe(false);
      // The form itself never became a channel message.
      const bodies = await textsOf(page, `${paneOf('ops')} li.msg-bot`);
      expect(bodies.filter((t) => t.includes('Choose what to echo'))).toEqual([]);
      await page.close();
    } finally {
      await forms.agent.stop();
    }
  }, 120_000);
});
