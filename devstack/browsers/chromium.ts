/**
 * The system's Chromium driven by playwright-core, for the e2e suites and the bench: never a browser a tool
 * downloads itself.
 */
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_FLAGS, findBrowser, missingEnginesLine } from './browsers.js';

/** Headless Chromium with the test flags of browsers.ts. */
export function launchChromium(): Promise<Browser> {
  const executablePath = findBrowser('chromium');
  if (!executablePath) throw new Error(missingEnginesLine(['chromium']));
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS, headless: true });
}
