/**
 * What WebKitGTK's browsers need on a headless Linux machine: an X display (Xvfb) and a D-Bus session bus, both
 * children of this process, on a display number and bus address of their own. They end with close(), and at the
 * latest when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface VirtualDisplay {
  /** DISPLAY and DBUS_SESSION_BUS_ADDRESS for the browser's environment */
  env: { DISPLAY: string; DBUS_SESSION_BUS_ADDRESS: string };
  close(): void;
}

const START_TIMEOUT_MS = 10_000;

/** Starts `command`, resolving with the first line it prints on stdout (where both programs say they are ready). */
function startPrinting(command: string, args: string[]): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => fail(new Error(`${command} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    let output = '';
    function fail(error: Error): void {
      clearTimeout(timer);
      child.kill();
      reject(error);
    }
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${command} exited with ${code} before it was ready`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const newline = output.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, line: output.slice(0, newline).trim() });
    });
  });
}

export async function startVirtualDisplay(): Promise<VirtualDisplay> {
  // -displayfd: Xvfb picks a free display number and prints it once it accepts connections
  const xvfb = await startPrinting('Xvfb', ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24']);
  let dbus: Awaited<ReturnType<typeof startPrinting>>;
  try {
    dbus = await startPrinting('dbus-daemon', ['--session', '--nofork', '--print-address=1']);
  } catch (error) {
    xvfb.child.kill();
    throw error;
  }
  const children = [xvfb.child, dbus.child];
  const close = () => {
    for (const child of children) if (child.exitCode === null) child.kill();
    process.off('exit', close);
  };
  process.on('exit', close);
  return { env: { DISPLAY: `:${xvfb.line}`, DBUS_SESSION_BUS_ADDRESS: dbus.line }, close };
}
