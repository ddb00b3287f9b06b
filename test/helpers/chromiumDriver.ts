/** Chromium through playwright-core: its Page and Request are the harness's JourneyPage and JourneyRequest as they are. */
import type { Page, Request } from 'playwright-core';
import { launchChromium as launchPlaywrightChromium } from '../../devstack/browsers/chromium.js';
import type { E2eBrowser, Session } from './journeyHarness.js';

export async function launchChromium(): Promise<E2eBrowser<Page, Request>> {
  const browser = await launchPlaywrightChromium();
  return {
    name: 'Chromium',
    async openSession(): Promise<Session<Page, Request>> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      const requests: Request[] = [];
      const errors: Error[] = [];
      context.on('request', (request) => requests.push(request));
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(error));
      return {
        page,
        requests,
        errors,
        waitForTextInFrame: (iframeSelector, text, timeout = 5000) =>
          // Prebid's cross-origin creative keeps hidden frames of its own beside the one showing the ad
          page.frameLocator(iframeSelector).frameLocator('iframe:not([style*="display"])').getByText(text).waitFor({ timeout }),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
