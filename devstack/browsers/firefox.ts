/**
 * The system's Firefox driven over WebDriver BiDi by puppeteer-core, for the e2e journeys and the bench. Playwright's
 * Firefox needs a patched build of its own; BiDi drives the stock browser. puppeteer-core never downloads one.
 */
import puppeteer, { type Browser } from 'puppeteer-core';
import { FIREFOX_PREFS, findBrowser, missingEnginesLine } from './browsers.js';

/** Headless Firefox on a fresh temporary profile (removed on close) with the test prefs of browsers.ts. */
export function launchFirefox(): Promise<Browser> {
  const executablePath = findBrowser('firefox');
  if (!executablePath) throw new Error(missingEnginesLine(['firefox']));
  return puppeteer.launch({ browser: 'firefox', executablePath, headless: true, extraPrefsFirefox: FIREFOX_PREFS });
}
