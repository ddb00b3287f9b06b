// The CLI an ad ops person runs: starts on the requested port, serves, logs requests.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../devstack/operator/main.js', import.meta.url));

function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /UID2 operator on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]!, output: () => output });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`operator exited with ${code}: ${output}`)));
  });
}

describe('local operator: CLI', function () {
  this.timeout(10000);

  it('starts with demo lifetimes on an ephemeral port, serves and logs', async () => {
    const { child, url, output } = await startCli(['--port', '0', '--lifetimes', 'demo']);
    try {
      expect(output()).to.contain('identity 60s, refresh from 15s');
      const health = await fetch(`${url}/ops/healthcheck`);
      expect([health.status, await health.text()]).to.deep.equal([200, 'OK']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(output()).to.match(/GET \/ops\/healthcheck 200 \d+\.\dms/);
    } finally {
      child.kill();
    }
  });

  it('refuses an unknown lifetimes profile', async () => {
    const child = spawn(process.execPath, [MAIN, '--lifetimes', 'forever'], { stdio: 'ignore' });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).to.equal(2);
  });
});
