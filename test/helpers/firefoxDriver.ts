/**
 * Firefox over WebDriver BiDi (puppeteer-core, devstack/browsers/firefox.ts), adapted to the harness's JourneyPage
 * and JourneyRequest, whose signatures are Playwright's.
 */
import type { Browser, Frame, HTTPRequest, HTTPResponse, Page } from 'puppeteer-core';
import { launchFirefox as launchBidiFirefox } from '../../devstack/browsers/firefox.js';
import { until, type E2eBrowser, type JourneyPage, type JourneyRequest, type Session } from './journeyHarness.js';

function journeyPage(page: Page): JourneyPage {
  const element = async (selector: string) => (await page.waitForSelector(selector))!;
  return {
    goto: (url) => page.goto(url),
    fill: (selector, value) => page.locator(selector).fill(value),
    click: (selector) => page.locator(selector).click(),
    evaluate: (pageFunction) => page.evaluate(pageFunction),
    waitForSelector: (selector, options) => page.waitForSelector(selector, options),
    waitForFunction: (pageFunction, _arg, options) => page.waitForFunction(pageFunction, options),
    textContent: async (selector) => (await element(selector)).evaluate((node) => node.textContent),
    getAttribute: async (selector, name) => (await element(selector)).evaluate((node, attribute) => node.getAttribute(attribute), name),
    screenshot: (options) => page.screenshot(options),
  };
}

/**
 * A request's body bytes over BiDi's network.getData. puppeteer's fetchPostData() asks the same, but refuses a body
 * BiDi hands over as base64, which a gzipped bid request is.
 */
async function requestBody(connection: BidiConnection, request: HTTPRequest): Promise<Buffer | null> {
  if (!request.hasPostData()) return null;
  // BiDi's own request id, which puppeteer keeps on the request (its public types leave it out)
  const requestId = (request as unknown as { id: string }).id;
  const { result } = await connection.send('network.getData', { dataType: 'request', request: requestId });
  const { bytes } = result as { bytes: { type: 'string' | 'base64'; value: string } };
  return Buffer.from(bytes.value, bytes.type === 'base64' ? 'base64' : 'utf8');
}

/** BiDi's command channel, which puppeteer's Firefox browser has (its public types declare only CDP's). */
interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

function bidiConnectionOf(browser: Browser): BidiConnection {
  return (browser as unknown as { connection: BidiConnection }).connection;
}

/** BiDi hands over a request's body asynchronously; the record keeps it, and waits for the response. */
async function journeyRequest(connection: BidiConnection, request: HTTPRequest, finished: Promise<HTTPResponse | null>): Promise<JourneyRequest> {
  const body = await requestBody(connection, request);
  return {
    url: () => request.url(),
    method: () => request.method(),
    postDataBuffer: () => body,
    response: () => finished,
  };
}

/** The frame of `page` directly inside its top document that holds `frame`, if `frame` is nested below one. */
function topLevelFrameOf(page: Page, frame: Frame): Frame | undefined {
  let child = frame;
  for (let parent = child.parentFrame(); parent && parent !== page.mainFrame(); parent = parent.parentFrame()) child = parent;
  return child === frame || child.parentFrame() !== page.mainFrame() ? undefined : child;
}

async function frameShowsText(page: Page, frame: Frame, iframeSelector: string, text: string): Promise<boolean> {
  const outer = topLevelFrameOf(page, frame);
  if (!outer) return false;
  try {
    const shows = await frame.evaluate((wanted) => document.body?.innerText.includes(wanted) ?? false, text);
    return shows && !!(await (await outer.frameElement())?.evaluate((node, selector) => node.matches(selector), iframeSelector));
  } catch {
    return false; // a frame detached or navigated meanwhile: look again
  }
}

/**
 * Uncaught exceptions and unhandled rejections of the page's documents, as Playwright's 'pageerror' reports them.
 * Not puppeteer's 'pageerror': over BiDi, Firefox also reports its own console notes there (a cookie it rejected
 * for its domain: Prebid's root-domain probe on 127.0.0.1), which are no error of the page.
 */
async function recordUncaughtErrors(page: Page, errors: Error[]): Promise<void> {
  await page.exposeFunction('__e2eUncaughtError', (message: string) => void errors.push(new Error(message)));
  await page.evaluateOnNewDocument(() => {
    if (window !== window.top) return;
    const report = (window as unknown as { __e2eUncaughtError(message: string): void }).__e2eUncaughtError;
    addEventListener('error', (event) => report(String(event.error ?? event.message)));
    addEventListener('unhandledrejection', (event) => report(`unhandled rejection: ${String(event.reason)}`));
  });
}

export async function launchFirefox(): Promise<E2eBrowser> {
  const browser = await launchBidiFirefox();
  return {
    name: 'Firefox',
    async openSession(): Promise<Session> {
      const context = await browser.createBrowserContext(); // a fresh profile: its own storage
      const page = await context.newPage();
      await page.setViewport({ width: 1280, height: 1000 });
      const requests: JourneyRequest[] = [];
      const errors: Error[] = [];
      const responses = new Map<HTTPRequest, (response: HTTPResponse | null) => void>();
      let recorded = Promise.resolve();
      page.on('request', (request) => {
        const finished = new Promise<HTTPResponse | null>((resolve) => responses.set(request, resolve));
        // in the order sent, each once its body is read
        recorded = recorded.then(async () => { requests.push(await journeyRequest(bidiConnectionOf(browser), request, finished)); });
      });
      page.on('requestfinished', (request) => responses.get(request)?.(request.response()));
      page.on('requestfailed', (request) => responses.get(request)?.(null));
      await recordUncaughtErrors(page, errors);
      return {
        page: journeyPage(page),
        requests,
        errors,
        async waitForTextInFrame(iframeSelector, text, timeout = 5000) {
          await until(`"${text}" in a frame inside ${iframeSelector}`, async () => {
            for (const frame of page.frames()) if (await frameShowsText(page, frame, iframeSelector, text)) return true;
            return false;
          }, timeout);
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
