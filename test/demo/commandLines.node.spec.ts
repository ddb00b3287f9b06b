// The dev stack's command lines: `npm start` (the demo), `npm run operator` and `npm run ssp`. What a command cannot
// use is refused in one line with exit status 2, before anything starts or listens.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';

const COMMANDS = {
  demo: 'build/node/devstack/demo/start.js',
  operator: 'build/node/devstack/operator/main.js',
  ssp: 'build/node/devstack/ssp/main.js',
} as const;

function run(command: keyof typeof COMMANDS, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [COMMANDS[command], ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
}

describe('dev stack command lines', () => {
  const refusals: Array<[keyof typeof COMMANDS, string, string[], Record<string, string>, RegExp]> = [
    ['demo', 'a port that is no number', ['--port', 'abc'], {}, /^--port must be a port number \(0 to 65535; 0 picks a free one\), not "abc"$/],
    ['demo', 'a port past 65535, from the environment', [], { OPERATOR_PORT: '70000' }, /^--operator-port must be a port number .*not "70000"$/],
    ['demo', 'a negative port', ['--ssp-port=-1'], {}, /^--ssp-port must be a port number .*not "-1"$/],
    ['demo', 'lifetimes it does not know', ['--lifetimes', 'forever'], {}, /^--lifetimes must be "demo" or "local", not "forever"$/],
    ['demo', 'an option it does not know', ['--prot', '8080'], {}, /^Unknown option '--prot'/],
    ['operator', 'a port that is no number', ['--port', '88 77'], {}, /^--port must be a port number .*not "88 77"$/],
    ['operator', 'an option without its value', ['--config'], {}, /^Option '--config <value>' argument missing$/],
    ['ssp', 'a port past 65535', ['--port', '123456'], {}, /^--port must be a port number .*not "123456"$/],
    ['ssp', 'an option it does not know', ['--operator-url', 'http://127.0.0.1:8877'], {}, /^Unknown option '--operator-url'/],
  ];
  for (const [command, what, args, env, message] of refusals) {
    it(`${command}: refuses ${what}, exit 2, one line`, () => {
      const result = run(command, args, env);
      expect(result.status, result.stderr).to.equal(2);
      expect(result.stdout).to.equal('');
      expect(result.stderr.trim()).to.match(message);
      expect(result.stderr.trim().split('\n')).to.have.length(1);
    });
  }
});
