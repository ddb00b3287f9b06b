// runShare in-process, for what the child process cannot show: the progress line only while stderr is a terminal, the
// hint only while stdin is one.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { runShare } from '../../share/run.js';
import { credentialsOf, startLiveOperator, type LiveOperator } from '../../devstack/sharing/liveSharing.js';

function textSink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  let text = '';
  const sink = new Writable({ write: (chunk, _encoding, done) => ((text += chunk), done()) });
  return Object.assign(sink, { isTTY, text: () => text });
}

describe('prebid-uid2-share: progress on stderr', function () {
  this.timeout(20000);
  let operator: LiveOperator;
  before(async () => (operator = await startLiveOperator()));
  after(() => operator.close());

  const run = async (isTTY: boolean) => {
    // in chunks that arrive over several turns of the event loop, as a file or a pipe delivers them
    async function* csv() {
      yield 'raw_uid\n';
      for (let chunk = 0; chunk < 30; chunk++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        yield Array.from({ length: 100 }, () => randomBytes(32).toString('base64') + '\n').join('');
      }
    }
    const stderr = textSink(isTTY);
    const code = await runShare({
      mode: 'encrypt',
      workers: 0,
      env: credentialsOf(operator, 'local-advertiser'),
      stdin: Readable.from(csv()),
      stdout: new PassThrough().resume(),
      stderr,
      progressIntervalMs: 1,
    });
    return { code, lines: stderr.text().split('\n').filter(Boolean) };
  };

  it('redraws rows, rows/s and errors while stderr is a terminal, then prints the summary', async () => {
    const { code, lines } = await run(true);
    expect(code).to.equal(0);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^(\r\d+ rows, \d+ rows\/s, 0 errors {3})+$/);
    expect(lines[1]).to.match(/^prebid-uid2-share encrypt: 3000 rows, 3000 ok, 0 failed in/);
  });

  it('says how to end the input when it reads a terminal, and nothing of it from a pipe', async () => {
    const typed = (isTTY: boolean) => Object.assign(Readable.from([`raw_uid\n${randomBytes(32).toString('base64')}\n`]), { isTTY });
    for (const isTTY of [true, false]) {
      const stderr = textSink(false);
      const code = await runShare({
        mode: 'encrypt', workers: 0, env: credentialsOf(operator, 'local-advertiser'), stdin: typed(isTTY), stdout: new PassThrough().resume(), stderr,
      });
      expect(code).to.equal(0);
      const lines = stderr.text().split('\n').filter(Boolean);
      expect(lines, `stdin a terminal: ${isTTY}`).to.have.length(isTTY ? 2 : 1);
      if (isTTY) expect(lines[0]).to.equal('prebid-uid2-share: reading CSV typed here until end of input (Ctrl-D); --in FILE reads a file');
    }
  });

  it('prints only the summary when stderr is a file or a pipe', async () => {
    const { code, lines } = await run(false);
    expect(code).to.equal(0);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^prebid-uid2-share encrypt: 3000 rows, 3000 ok, 0 failed in/);
  });
});
