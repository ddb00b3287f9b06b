/** The browsers the e2e journeys run in: every engine with a driver here that this machine has (devstack/browsers/browsers.ts). */
import { findBrowser, type Engine } from '../../devstack/browsers/browsers.js';
import { launchChromium } from './chromiumDriver.js';
import { launchFirefox } from './firefoxDriver.js';
import type { E2eBrowser } from './journeyHarness.js';

const DRIVERS: Partial<Record<Engine, () => Promise<E2eBrowser>>> = { chromium: launchChromium, firefox: launchFirefox };

export function e2eBrowsers(): Array<{ engine: Engine; launch: () => Promise<E2eBrowser> }> {
  return Object.entries(DRIVERS).filter(([engine]) => findBrowser(engine as Engine))
    .map(([engine, launch]) => ({ engine: engine as Engine, launch: launch! }));
}
