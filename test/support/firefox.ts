import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Firefox ESR (package `firefox-esr`); CI installs it. */
export const firefoxPath = '/usr/bin/firefox-esr';

/**
 * Preferences on top of the ones puppeteer writes into its fresh profile (which already turn off
 * updates, safe browsing, health reports and the welcome pages): the background services that
 * would still reach the network or show first-run UI while a test runs.
 */
const quietPrefs: Record<string, unknown> = {
  'app.update.auto': false,
  'app.update.enabled': false,
  'browser.aboutwelcome.enabled': false,
  'browser.discovery.enabled': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.topsites.contile.enabled': false,
  'datareporting.policy.firstRunURL': '',
  'extensions.systemAddon.update.enabled': false,
  'media.gmp-gmpopenh264.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.http.http3.enable': false,
  'network.predictor.enabled': false,
  'network.prefetch-next': false,
  // DNS over HTTPS off; the tests only resolve loopback addresses.
  'network.trr.mode': 5,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.unified': false,
};

/**
 * Launches headless Firefox ESR for browser tests, driven by puppeteer-core over WebDriver BiDi,
 * with a throwaway profile that keeps it off the network. Close it in afterAll.
 */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath,
    headless: true,
    extraPrefsFirefox: quietPrefs,
  });
}
