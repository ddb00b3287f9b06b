// The two CLIs a developer runs for the demo: the operator, then the mock SSP pointed at it.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SSP_MAIN = fileURLToPath(new URL('../../devstack/ssp/main.js', import.meta.url));
const OPERATOR_MAIN = fileURLToPath(new URL('../../devstack/operator/main.js', import.meta.url));

interface Cli {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Spawns a CLI and resolves with the base URL its start-up line names. */
function startCli(main: string, args: string[], started: RegExp): Promise<Cli> {
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk;
      const url = started.exec(output)?.[1];
      if (url) resolve({ child, url, output: () => output });
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => reject(new Error(`${main} exited with ${code}: ${output}`)));
  });
}

const SSP_STARTED = /Mock SSP on (http:\/\/\S+)\/openrtb2\/auction/;

describe('mock SSP: CLI', function () {
  this.timeout(10000);
  const children: ChildProcess[] = [];
  afterEach(() => children.splice(0).forEach((child) => child.kill()));

  it('starts on the requested port, fetches bidstream keys from --operator, and logs one line per request', async () => {
    const operator = await startCli(OPERATOR_MAIN, ['--port', '0'], /UID2 operator on (http:\/\/\S+)/);
    children.push(operator.child);
    const ssp = await startCli(SSP_MAIN, ['--port', '0', '--operator', operator.url], SSP_STARTED);
    children.push(ssp.child);
    expect(ssp.output()).to.include(`UID2 keys from ${operator.url}/v2/key/bidstream`);
    const status = await (await fetch(`${ssp.url}/status`)).json();
    expect(status.keys).to.include({ loaded: true, endpoint: 'bidstream' });
    await fetch(`${ssp.url}/event?type=win`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ssp.output()).to.match(/Z GET \/event 204 type=win \d+\.\dms/);
  });

  it('runs without an operator, saying UID2 tokens will not be decrypted', async () => {
    const ssp = await startCli(SSP_MAIN, ['--port', '0'], SSP_STARTED);
    children.push(ssp.child);
    expect(ssp.output()).to.include('no operator: UID2 tokens are not decrypted');
    expect(await (await fetch(`${ssp.url}/status`)).json()).to.deep.equal({ keys: null });
  });

  it('refuses an unknown --key-endpoint', async () => {
    const child = spawn(process.execPath, [SSP_MAIN, '--key-endpoint', 'everything'], { stdio: 'ignore' });
    expect(await new Promise((resolve) => child.once('exit', resolve))).to.equal(2);
  });
});
