import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (packages `chromium`, `chromium-driver`); CI installs it. */
export const chromiumPath = '/usr/bin/chromium';

/**
 * Launches headless Chromium for browser tests, with the background features that would make
 * network calls or vary timing switched off. Close it in afterAll.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A console page opened by {@link openConsolePage}, with the frames its WebSocket carried. */
export interface WatchedPage {
  page: Page;
  /** Every frame the page sent, parsed. */
  sent: Record<string, unknown>[];
  /** Every frame the page received, parsed. */
  received: Record<string, unknown>[];
}

/** Frames each page opened by {@link openConsolePage} sent, for tests that keep only the page. */
const sentByPage = new WeakMap<Page, Record<string, unknown>[]>();

/** Every frame `page` sent over its WebSocket, parsed (empty for a page not opened here). */
export function framesSent(page: Page): Record<string, unknown>[] {
  return sentByPage.get(page) ?? [];
}

/** A channel's pane on the console page. */
export const consolePane = (page: Page, channel: string) => page.locator(`.pane[data-channel="${channel}"]`);

/** The bot messages in `channel` containing `text`. */
export const botMessages = (page: Page, channel: string, text: string) =>
  consolePane(page, channel).locator('li.msg-bot', { hasText: text });

/**
 * Opens the console at `url` (on `channel`) in a new tab and waits until it is connected. Page
 * errors, console errors and CSP violations go into `problems`, except console lines `expected`
 * accepts (an agent a test stopped on purpose makes Chromium log refused connections).
 */
export async function openConsolePage(
  browser: Browser,
  url: string,
  options: { problems: string[]; channel?: string; expected?: (line: string) => boolean },
): Promise<WatchedPage> {
  const page = await browser.newPage();
  const watched: WatchedPage = { page, sent: [], received: [] };
  sentByPage.set(page, watched.sent);
  page.on('websocket', (socket) => {
    socket.on('framesent', (f) => watched.sent.push(JSON.parse(String(f.payload))));
    socket.on('framereceived', (f) => watched.received.push(JSON.parse(String(f.payload))));
  });
  page.on('pageerror', (err) => options.problems.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' || m.text().includes('favicon') || options.expected?.(m.text())) return;
    options.problems.push(`console: ${m.text()}`);
  });
  // Reported even where Chromium would not log it: nothing on the page may break its own policy.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  await page.goto(options.channel ? `${url}#${options.channel}` : url);
  await page.locator('#connection[data-state="open"]').waitFor({ timeout: 15_000 });
  return watched;
}
