import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import { freePort } from '../support/agent-harness.js';
import { launchBrowser, openConsolePage } from '../support/browser.js';
import {
  type ConsoleAgent,
  consoleTestConfig,
  slowScript,
  startConsoleAgent,
} from '../support/console-harness.js';

/*
 * The console page in headless Chromium while its agent goes away and a new one takes the same
 * port: the page says it is disconnected, refuses (visibly) to send while down, reconnects on its
 * own, keeps what it showed, adds the new agent's history once, and runs commands again. Also a
 * drop where the same agent session comes back: its history replaces what the page showed.
 */

let browser: Browser;
/** Agents still running, stopped after the test whatever happened. */
const running = new Set<ConsoleAgent>();
const problems: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const run of running) await run.agent.stop();
});

async function startAgent(port = 0): Promise<ConsoleAgent> {
  // The shared config listens on port 0; a second agent takes the port the first one had.
  const yaml = consoleTestConfig.replace(/^( +)port: 0$/m, `$1port: ${port}`);
  expect(yaml.includes(`port: ${port}\n`), 'consoleTestConfig should set the console port').toBe(true);
  const run = await startConsoleAgent(yaml, { 'slow.sh': slowScript });
  running.add(run);
  return run;
}

async function stopAgent(run: ConsoleAgent): Promise<void> {
  running.delete(run);
  await run.agent.stop();
}

interface Watched {
  page: Page;
  /** Every frame the page sent, parsed. */
  sent: Record<string, unknown>[];
  /** Every frame the page received, parsed. */
  received: Record<string, unknown>[];
  /** While true, the connection failures a page logs when its agent is down are expected. */
  down: { value: boolean };
}

/**
 * Opens the console at `url`, recording its frames and any page error, console error or CSP
 * violation into `problems`, except connection failures while `down` is set.
 */
async function openConsole(url: string): Promise<Watched> {
  const down = { value: false };
  // Chromium logs each refused socket and the page's api/session probe while nothing listens.
  const expected = (line: string) => down.value && /ERR_CONNECTION_REFUSED/.test(line);
  return { ...(await openConsolePage(browser, url, { problems, expected })), down };
}

const ops = (page: Page) => page.locator('.pane[data-channel="ops"]');
const bot = (page: Page, text: string) => ops(page).locator('li.msg-bot', { hasText: text });
const user = (page: Page, text: string) => ops(page).locator('li.msg-user', { hasText: text });
const commands = (w: Watched) => w.sent.filter((f) => f.type === 'command');
const opsAddress = { destinationId: 'default/console', channelId: 'ops' };

async function run(page: Page, command: string): Promise<void> {
  await page.fill('#command', command);
  await page.press('#command', 'Enter');
}

describe('console page reconnect (headless Chromium)', () => {
  it('shows the drop, sends nothing while down, and reconnects to a new agent on the same port', async () => {
    const first = await startAgent();
    const port = Number(new URL(first.url).port);
    const w = await openConsole(first.url);
    const { page } = w;

    // 1. A command runs and its reply shows.
    await run(page, 'echo before the restart');
    await bot(page, 'before the restart').waitFor({ timeout: 15_000 });
    await expect(page.locator('#connection').textContent()).resolves.toBe('connected');
    await expect(page.locator('#send').getAttribute('aria-disabled')).resolves.toBe('false');

    // 2. The agent stops: the page says so, and a command typed now is refused out loud.
    w.down.value = true;
    await stopAgent(first);
    await page
      .locator('#connection[data-state="closed"]', { hasText: /^disconnected; retrying in \d+ s$/ })
      .waitFor({ timeout: 15_000 });
    await expect(page.locator('#send').getAttribute('aria-disabled')).resolves.toBe('true');
    const sentBefore = commands(w).length;
    await run(page, 'echo typed while down');
    await page
      .locator('#command-error:visible', {
        hasText: 'Not connected to the agent; the command was not sent. It reconnects on its own.',
      })
      .waitFor({ timeout: 15_000 });
    // The command stays in the box, to be sent once the page is back.
    await expect(page.inputValue('#command')).resolves.toBe('echo typed while down');
    expect(commands(w)).toHaveLength(sentBefore);
    await expect(page.locator('#connection').getAttribute('data-state')).resolves.not.toBe('open');

    // 3. A new agent on the same port. Its message is in the history the page gets on reconnect
    // (unless the page's retry lands in the few milliseconds before it is posted, when it comes
    // live instead): shown once either way.
    const second = await startAgent(port);
    expect(second.url).toBe(first.url);
    await second.console.deliver({
      address: opsAddress,
      message: { baseBody: { plaintext: 'posted by the new agent' } },
    });
    // The page retries at most every 10 s (±20 %), so it is back within 12 s of the new agent
    // listening, plus the time to connect on a loaded machine.
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 30_000 });
    w.down.value = false;
    await expect(page.locator('#connection').textContent()).resolves.toBe('connected');
    await expect(page.locator('#send').getAttribute('aria-disabled')).resolves.toBe('false');
    // The "not sent" error went with the outage; the command waits in the box.
    await expect(page.locator('#command-error').isHidden()).resolves.toBe(true);
    await expect(page.inputValue('#command')).resolves.toBe('echo typed while down');

    // What the page showed is still there once, then a note, then the new agent's messages once.
    await bot(page, 'posted by the new agent').waitFor({ timeout: 15_000 });
    await expect(user(page, 'echo before the restart').count()).resolves.toBe(1);
    await expect(bot(page, 'before the restart').count()).resolves.toBe(1);
    await expect(bot(page, 'posted by the new agent').count()).resolves.toBe(1);
    const texts = await ops(page).locator('.messages > li').allTextContents();
    const at = (text: string) => texts.findIndex((t) => t.includes(text));
    expect(texts.filter((t) => t.includes('The agent restarted'))).toHaveLength(1);
    expect(at('echo before the restart')).toBeLessThan(at('The agent restarted'));
    expect(at('The agent restarted')).toBeLessThan(at('posted by the new agent'));
    const hellos = w.received.filter((f) => f.type === 'hello');
    expect(new Set(hellos.map((h) => h.session)).size).toBe(2);

    // The command kept in the box runs now, once.
    await page.press('#command', 'Enter');
    await bot(page, 'typed while down').waitFor({ timeout: 15_000 });
    await expect(bot(page, 'typed while down').count()).resolves.toBe(1);
    await expect(page.locator('#command-error').isHidden()).resolves.toBe(true);
    await expect(page.inputValue('#command')).resolves.toBe('');
    expect(commands(w)).toHaveLength(sentBefore + 1);

    // A button of a message from before the restart still runs its command, but does not name
    // that message: its id means another message to the new agent.
    await bot(page, 'before the restart').first().locator('button', { hasText: 'Echo again' }).click();
    await bot(page, 'by @web').filter({ hasText: 'before the restart' }).waitFor({ timeout: 15_000 });
    const click = commands(w).at(-1);
    expect(click).toMatchObject({ origin: 'button', text: '@Switchboard echo before the restart' });
    expect(click).not.toHaveProperty('source');

    await page.close();
    // 4. Nothing threw, logged an error, or broke the page's policy.
    expect(problems).toEqual([]);
  }, 180_000);

  it('comes back to the same session without showing anything twice, with what changed meanwhile', async () => {
    // A fixed port: the platform listens anew on start, on port 0 it would move.
    const agentRun = await startAgent(await freePort());
    const w = await openConsole(agentRun.url);
    const { page } = w;
    await run(page, 'echo shown once');
    const reply = bot(page, 'shown once');
    await reply.waitFor({ timeout: 15_000 });
    const replyId = await reply.getAttribute('data-id');
    expect(replyId).toBeTruthy();

    // Only the console platform goes away; it keeps its session and history, so ids still hold.
    w.down.value = true;
    await agentRun.console.stop();
    await page.locator('#connection[data-state="closed"]').waitFor({ timeout: 15_000 });
    // The agent's command handler went with the stop; commands typed from now on are recorded.
    const received: InboundCommand[] = [];
    await agentRun.console.start((command) => received.push(command));
    await agentRun.console.deliver({
      address: opsAddress,
      message: { baseBody: { plaintext: 'posted while the page was away' } },
    });
    await agentRun.console.deliver({
      address: opsAddress,
      message: { baseBody: { plaintext: 'edited while the page was away' } },
      replaces: { channelId: 'ops', messageId: replyId ?? '' },
    });
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 30_000 });
    w.down.value = false;

    await bot(page, 'posted while the page was away').waitFor({ timeout: 15_000 });
    await ops(page)
      .locator(`li[data-id="${replyId}"]`, { hasText: 'edited while the page was away' })
      .waitFor({ timeout: 15_000 });
    const ids = await ops(page)
      .locator('.messages > li')
      .evaluateAll((items) => items.map((li) => (li as unknown as { dataset: { id?: string } }).dataset.id));
    // The command, its (edited) reply and the new message: each once, and no restart note.
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(ids.slice(0, 2)).toEqual([expect.any(String), replyId]);
    await expect(
      ops(page).locator('.messages > li', { hasText: 'The agent restarted' }).count(),
    ).resolves.toBe(0);
    const hellos = w.received.filter((f) => f.type === 'hello');
    expect(hellos).toHaveLength(2);
    expect(hellos[1]?.session).toBe(hellos[0]?.session);

    await run(page, 'echo after the drop');
    await expect
      .poll(() => received.map((c) => c.text), { timeout: 15_000 })
      .toEqual(['echo after the drop']);

    await page.close();
    expect(problems).toEqual([]);
  }, 180_000);
});
