/** The browsers the e2e journeys run in: every engine with a driver here that this machine has (test/helpers/node/browsers.ts). */
import { findBrowser, type Engine } from '../helpers/node/browsers.js';
import { launchChromium } from './drivers/chromium.js';
import { launchFirefox } from './drivers/firefox.js';
import type { E2eBrowser } from './harness.js';

const DRIVERS: Partial<Record<Engine, () => Promise<E2eBrowser>>> = { chromium: launchChromium, firefox: launchFirefox };

export function e2eBrowsers(): Array<{ engine: Engine; launch: () => Promise<E2eBrowser> }> {
  return Object.entries(DRIVERS).filter(([engine]) => findBrowser(engine as Engine))
    .map(([engine, launch]) => ({ engine: engine as Engine, launch: launch! }));
}
