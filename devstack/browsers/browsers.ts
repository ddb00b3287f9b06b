/**
 * The browser engines every browser test runs in, and where each is found on this machine. No test tool downloads
 * a browser of its own: these are the system's browsers (Debian packages in CI, the usual application paths on macOS).
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export type Engine = 'chromium' | 'firefox' | 'webkit';

/** in the order `npm test` runs them */
export const ENGINES: readonly Engine[] = ['chromium', 'firefox', 'webkit'];

export const ENGINE_NAMES: Record<Engine, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

interface EngineSearch {
  /** environment variable naming the binary, looked at first */
  envVariable: string;
  /** executables looked up on PATH, in order */
  commands: string[];
  /** absolute paths tried last */
  macosPaths: string[];
  /** programs WebKitGTK needs beside the browser on Linux: a virtual display and a D-Bus session */
  companions?: string[];
  /** Debian packages, and the Homebrew cask on macOS (none for WebKit: it is Safari there) */
  install: { debian: string[]; macosCask?: string };
}

const SEARCH: Record<Engine, EngineSearch> = {
  chromium: {
    envVariable: 'CHROME_BIN',
    commands: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'],
    macosPaths: ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
    install: { debian: ['chromium'], macosCask: 'chromium' },
  },
  firefox: {
    envVariable: 'FIREFOX_BIN',
    commands: ['firefox-esr', 'firefox'],
    macosPaths: ['/Applications/Firefox.app/Contents/MacOS/firefox'],
    install: { debian: ['firefox-esr'], macosCask: 'firefox' },
  },
  // WebKitGTK through GNOME Web (Epiphany) on Linux; on macOS WebKit is Safari, which every Mac has
  webkit: {
    envVariable: 'EPIPHANY_BIN',
    commands: ['epiphany-browser', 'epiphany'],
    macosPaths: ['/Applications/Safari.app/Contents/MacOS/Safari'],
    companions: ['Xvfb', 'dbus-daemon'],
    install: { debian: ['epiphany-browser', 'xvfb', 'dbus'] },
  },
};

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `command` on PATH, as an absolute path. */
export function onPath(command: string): string | undefined {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)
    .map((dir) => path.join(dir, command)).find(isExecutable);
}

/** The engine's browser binary on this machine, or undefined when it (or, on Linux, what it needs beside it) is missing. */
export function findBrowser(engine: Engine): string | undefined {
  const search = SEARCH[engine];
  const fromEnv = process.env[search.envVariable];
  if (fromEnv) return fromEnv;
  if (process.platform === 'darwin') return search.macosPaths.find(isExecutable);
  const binary = search.commands.map(onPath).find(Boolean);
  return binary && (search.companions ?? []).every(onPath) ? binary : undefined;
}

export interface InstalledEngines {
  found: Partial<Record<Engine, string>>;
  missing: Engine[];
}

export function installedEngines(): InstalledEngines {
  const found: InstalledEngines['found'] = {};
  for (const engine of ENGINES) {
    const binary = findBrowser(engine);
    if (binary) found[engine] = binary;
  }
  return { found, missing: ENGINES.filter((engine) => !found[engine]) };
}

/** One line naming the missing engines and what to install, for Debian and macOS. */
export function missingEnginesLine(missing: Engine[]): string {
  const debian = missing.flatMap((engine) => SEARCH[engine].install.debian).join(' ');
  const casks = missing.map((engine) => SEARCH[engine].install.macosCask).filter(Boolean);
  const macos = [...(casks.length > 0 ? [`\`brew install --cask ${casks.join(' ')}\``] : []),
    ...(missing.includes('webkit') ? ['Safari for WebKit'] : [])].join(', ');
  return `browser tests skip ${missing.map((engine) => ENGINE_NAMES[engine]).join(', ')} (not found): ` +
    `install \`apt-get install ${debian}\` (Debian/Ubuntu) or ${macos} (macOS), or set ` +
    `${missing.map((engine) => SEARCH[engine].envVariable).join('/')}`;
}

export const CHROMIUM_FLAGS = [
  '--no-sandbox', // Chromium refuses to run as root (CI) otherwise
  '--disable-gpu', '--disable-quic', '--no-first-run',
  // keep Chromium from calling home at start-up; the machine has no network beyond loopback
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Firefox preferences for tests, on a fresh profile: everything that would call the network on its own is off
 * (updates, telemetry, safe browsing lists, remote settings, captive-portal and connectivity probes, DNS-over-HTTPS,
 * prefetching). Behaviour that pages see (cookies, storage, tracking protection) stays Firefox's default.
 */
export const FIREFOX_PREFS: Record<string, string | number | boolean> = {
  'app.update.auto': false,
  'app.update.disabledForTesting': true,
  'app.normandy.enabled': false,
  'app.normandy.api_url': '',
  'app.shield.optoutstudies.enabled': false,
  'browser.discovery.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.newtabpage.activity-stream.feeds.system.topstories': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.search.update': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage': 'about:blank',
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.startup.page': 0,
  'browser.topsites.contile.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.update.enabled': false,
  'geo.provider.network.url': '',
  'media.gmp-manager.updateEnabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.http.speculative-parallel-limit': 0,
  'network.prefetch-next': false,
  'network.trr.mode': 5, // DNS over HTTPS off
  // remote settings (blocklists, certificates, ...) from a loopback port nothing listens on
  'services.settings.server': 'http://127.0.0.1:9/v1',
  'startup.homepage_welcome_url': 'about:blank',
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.unified': false,
};

/**
 * WebKitGTK's bubblewrap sandbox crashes the web process on a headless machine without user namespaces (CI
 * containers). Tests turn it off, and only tests: the pages they load are this repository's own.
 */
export const WEBKIT_TEST_ENV = { WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS: '1' };
