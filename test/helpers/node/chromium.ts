// How every test and benchmark starts Debian's Chromium (never a browser a tool downloads itself).
export const CHROMIUM_PATH = process.env.CHROME_BIN || '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox', // Chromium refuses to run as root (CI) otherwise
  '--disable-gpu', '--disable-quic', '--no-first-run',
  // keep Chromium from calling home at start-up; the machine has no network beyond loopback
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
