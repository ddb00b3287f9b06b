/**
 * The karma launcher of each engine, shared by karma.conf.cjs and test/parity/karma.conf.cjs: headless,
 * on a fresh profile, with the browser this machine has (browsers.ts).
 */
import { createRequire } from 'node:module';
import { CHROMIUM_FLAGS, ENGINES, FIREFOX_PREFS, WEBKIT_TEST_ENV, findBrowser, missingEnginesLine, onPath, type Engine } from '../../devstack/browsers/browsers.js';
import { startVirtualDisplay, type VirtualDisplay } from '../../devstack/browsers/virtualDisplay.js';

const require = createRequire(import.meta.url);

export interface KarmaLaunchers {
  plugins: unknown[];
  browsers: string[];
  customLaunchers: Record<string, Record<string, unknown>>;
}

/** the part of karma's process launcher (karma/lib/launchers/process.js) the WebKit launcher below builds on */
interface ProcessLauncher {
  _tempDir: string;
  _start(url: string): void;
  _execCommand(command: string, args: string[]): void;
  listeners(event: string): Array<(...args: unknown[]) => void>;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

type Decorator = (launcher: ProcessLauncher) => void;

/**
 * karma-webkit-launcher's Epiphany launcher (WebKitGTK), started once: the library adds a 'start' listener of its own
 * that spawns Epiphany beside karma's default one, so two browsers ran the suite in one session and some specs
 * were counted twice. This drops the library's listener and keeps karma's, which spawns Epiphany on a fresh
 * profile in karma's temp dir (removed afterwards), in a virtual display and D-Bus session of its own.
 */
function epiphanyOnce(epiphany: string) {
  const { 'launcher:Epiphany': [, EpiphanyBrowser] } = require('karma-webkit-launcher') as Record<string, [string, Function]>;
  function EpiphanyOnce(this: ProcessLauncher, baseBrowserDecorator: Decorator, args: { flags?: string[] }) {
    let karmaListeners: unknown[] = [];
    EpiphanyBrowser.call(this, (launcher: ProcessLauncher) => {
      baseBrowserDecorator(launcher);
      karmaListeners = launcher.listeners('start');
    }, args);
    for (const listener of this.listeners('start')) {
      if (!karmaListeners.includes(listener)) this.removeListener('start', listener);
    }
    let display: Promise<VirtualDisplay> | undefined;
    this._start = (url) => {
      display ??= startVirtualDisplay();
      display.then(({ env }) => {
        const environment = Object.entries({ ...env, ...WEBKIT_TEST_ENV }).map(([name, value]) => `${name}=${value}`);
        this._execCommand(onPath('env') ?? '/usr/bin/env',
          [...environment, epiphany, `--profile=${this._tempDir}`, ...(args.flags ?? []), url]);
      }, (error: Error) => {
        console.error(`WebKit: no virtual display for Epiphany: ${error.message}`);
        this._execCommand('', []); // karma's way to report a browser that cannot start
      });
    };
    this.on('done', () => {
      display?.then((started) => started.close(), () => undefined);
      display = undefined;
    });
  }
  EpiphanyOnce.prototype = Object.create(EpiphanyBrowser.prototype, { name: { value: 'WebKit (Epiphany)' } });
  EpiphanyOnce.$inject = ['baseBrowserDecorator', 'args'];
  return { 'launcher:EpiphanyOnce': ['type', EpiphanyOnce] };
}

export function karmaLaunchers(engine: Engine, binary: string): KarmaLaunchers {
  switch (engine) {
    case 'chromium':
      process.env.CHROME_BIN = binary; // karma-chrome-launcher reads it
      return {
        plugins: ['karma-chrome-launcher'],
        browsers: ['ChromiumHeadlessTest'],
        customLaunchers: { ChromiumHeadlessTest: { base: 'ChromeHeadless', flags: CHROMIUM_FLAGS } },
      };
    case 'firefox':
      process.env.FIREFOX_BIN = binary; // karma-firefox-launcher reads it, and writes a fresh profile with these prefs
      return {
        plugins: ['karma-firefox-launcher'],
        browsers: ['FirefoxHeadlessTest'],
        // not the library's FirefoxHeadless, which also opens a debugger server on the fixed port 6000
        customLaunchers: { FirefoxHeadlessTest: { base: 'Firefox', flags: ['-headless'], prefs: FIREFOX_PREFS } },
      };
    case 'webkit':
      // macOS: Safari, through the library's AppleScript launcher
      if (process.platform === 'darwin') return { plugins: ['karma-webkit-launcher'], browsers: ['Safari'], customLaunchers: {} };
      return { plugins: [epiphanyOnce(binary)], browsers: ['EpiphanyOnce'], customLaunchers: {} };
  }
}

/** The launchers for KARMA_ENGINE's value (Chromium when unset); throws, saying what to install, when it is missing. */
export function engineLaunchers(engineName = 'chromium'): KarmaLaunchers {
  const engine = ENGINES.find((known) => known === engineName);
  if (!engine) throw new Error(`KARMA_ENGINE=${engineName}: expected one of ${ENGINES.join(', ')}`);
  const binary = findBrowser(engine);
  if (!binary) throw new Error(missingEnginesLine([engine]));
  return karmaLaunchers(engine, binary);
}
