// The demo's command line (`npm start` runs it): a port it cannot use is refused in one line, before anything starts.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';

const START = 'build/node/devstack/demo/start.js';

function start(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [START, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
}

describe('demo command line', () => {
  const refusals: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['a port that is no number', ['--port', 'abc'], {}, /^--port must be a port number \(0 to 65535; 0 picks a free one\), not "abc"$/],
    ['a port past 65535, from the environment', [], { OPERATOR_PORT: '70000' }, /^--operator-port must be a port number .*not "70000"$/],
    ['a negative port', ['--ssp-port=-1'], {}, /^--ssp-port must be a port number .*not "-1"$/],
    ['lifetimes it does not know', ['--lifetimes', 'forever'], {}, /^--lifetimes must be "demo" or "local", not "forever"$/],
  ];
  for (const [what, args, env, message] of refusals) {
    it(`refuses ${what}: exit 2, one line`, () => {
      const run = start(args, env);
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr.trim()).to.match(message);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
    });
  }
});
