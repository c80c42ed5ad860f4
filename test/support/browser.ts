import { type Browser, chromium } from 'playwright-core';

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
