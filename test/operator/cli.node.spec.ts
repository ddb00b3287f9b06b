// The CLI an ad ops person runs: starts on the requested port, serves, logs requests.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_OPERATOR_CONFIG } from '../../devstack/operator/config.js';

const MAIN = fileURLToPath(new URL('../../devstack/operator/main.js', import.meta.url));

function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /(?:UID2|EUID) operator on (http:\/\/\S+)/.exec(output);
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

  it('names its identity scope: an EUID operator says so', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'operator-cli-'));
    const configFile = path.join(folder, 'euid-config.json');
    const config = JSON.parse(await readFile(LOCAL_OPERATOR_CONFIG, 'utf8'));
    await writeFile(configFile, JSON.stringify({ ...config, identity_scope: 'EUID' }));
    const { child, url, output } = await startCli(['--port', '0', '--config', configFile]);
    try {
      expect(output()).to.match(/^EUID operator on http:/);
      expect((await fetch(`${url}/ops/healthcheck`)).status).to.equal(200);
    } finally {
      child.kill();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses an unknown lifetimes profile', async () => {
    const child = spawn(process.execPath, [MAIN, '--lifetimes', 'forever'], { stdio: 'ignore' });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).to.equal(2);
  });
});
