// prebid-uid2-share as a sender and a receiver run it: the built bin, credentials in the environment, the local
// operator's advertiser (site 124, whose keyset grants the DSP) and DSP (site 125) and data provider (site 126,
// whose keyset grants no one).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { decryptAdvertisingToken } from '../../libraries/uid2/receiver/advertisingToken.js';
import { encryptRawUidIntoToken } from '../../libraries/uid2/receiver/sharing.js';
import { MAX_JSON_DEPTH } from '../../share/formats.js';
import { fetchSharingKeys } from '../../share/sharingKeys.js';
import { credentialsOf, runShareCommand, startLiveOperator, startShareCommand, type LiveOperator } from '../../devstack/sharing/liveSharing.js';

const rawUid = (): string => randomBytes(32).toString('base64');
/** a raw UID2 of an email: UID2's SDKs (and the share command) take one whose base64 starts with B or F for a phone's */
function emailRawUid(): string {
  for (;;) {
    const uid = rawUid();
    if (!/^[BF]/.test(uid)) return uid;
  }
}
const DAY_MS = 86400_000;

function clientOf(operator: LiveOperator, name: string) {
  const { UID2_BASE_URL, UID2_API_KEY, UID2_SECRET_KEY } = credentialsOf(operator, name);
  return { operatorUrl: UID2_BASE_URL!, apiKey: UID2_API_KEY!, secret: UID2_SECRET_KEY! };
}

describe('prebid-uid2-share: the command', function () {
  this.timeout(20000);
  let operator: LiveOperator;
  let advertiser: Record<string, string>;
  let dsp: Record<string, string>;
  let folder: string;

  before(async () => {
    operator = await startLiveOperator();
    advertiser = credentialsOf(operator, 'local-advertiser');
    dsp = credentialsOf(operator, 'local-dsp');
    folder = await mkdtemp(path.join(os.tmpdir(), 'share-cli-'));
  });
  after(async () => {
    await operator.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('encrypts a CSV for a receiver that decrypts it back, every other column untouched and in order', async () => {
    const uids = [rawUid(), rawUid(), rawUid()];
    const input =
      'customer,raw_uid,note\n' +
      `c1,${uids[0]},"a note, with a comma"\n` +
      `c2,${uids[1]},"two\nlines and ""quotes"""\n` +
      `c3,${uids[2]},\n`;
    const encrypted = await runShareCommand(['encrypt'], advertiser, input);
    expect(encrypted.code, encrypted.stderr).to.equal(0);
    expect(encrypted.stderr).to.match(/^prebid-uid2-share encrypt: 3 rows, 3 ok, 0 failed in [\d.]+ s, \d+ rows\/s\n$/);
    const sent = parse(encrypted.stdout, { columns: true }) as Record<string, string>[];
    expect(encrypted.stdout.split('\n')[0]).to.equal('customer,raw_uid,note,token,status');
    expect(sent.map((row) => [row.customer, row.raw_uid, row.note, row.status])).to.deep.equal([
      ['c1', uids[0], 'a note, with a comma', 'success'],
      ['c2', uids[1], 'two\nlines and "quotes"', 'success'],
      ['c3', uids[2], '', 'success'],
    ]);

    // the receiver gets the tokens only, as a file this time
    const tokensFile = path.join(folder, 'tokens.csv');
    const outFile = path.join(folder, 'segment.csv');
    await writeFile(tokensFile, 'customer,token,note\n' + sent.map((row) => `${row.customer},${row.token},"${row.note!.replaceAll('"', '""')}"`).join('\n') + '\n');
    const decrypted = await runShareCommand(['decrypt', '--in', tokensFile, '--out', outFile], dsp);
    expect(decrypted.code, decrypted.stderr).to.equal(0);
    expect(decrypted.stdout).to.equal('');
    const received = parse(await readFile(outFile, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(received.map((row) => [row.customer, row.raw_uid, row.note, row.status, row.site_id])).to.deep.equal([
      ['c1', uids[0], 'a note, with a comma', 'success', '124'],
      ['c2', uids[1], 'two\nlines and "quotes"', 'success', '124'],
      ['c3', uids[2], '', 'success', '124'],
    ]);
    for (const row of received) expect(Math.abs(Date.parse(row.established!) - Date.now())).to.be.below(60_000);
    expect(received[0]!.established).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('passes the other columns of a CSV through byte for byte, whatever their encoding; UTF-8 where JSON Lines is the other side', async () => {
    const uid = rawUid();
    // a Windows-1252 "Zoë", UTF-8 "日本" and bytes that are no text at all, in quoted and plain fields
    const name = Buffer.from([0x5a, 0x6f, 0xeb]);
    const note = Buffer.concat([Buffer.from('"'), Buffer.from('日本, '), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('"')]);
    const line = (...fields: Buffer[]) => Buffer.concat([...fields.flatMap((field, index) => (index ? [Buffer.from(','), field] : [field])), Buffer.from('\n')]);
    const inFile = path.join(folder, 'latin1.csv');
    const tokensFile = path.join(folder, 'latin1-tokens.csv');
    const backFile = path.join(folder, 'latin1-back.csv');
    await writeFile(inFile, Buffer.concat([Buffer.from('name,raw_uid,note\n'), line(name, Buffer.from(uid), note)]));
    const encrypted = await runShareCommand(['encrypt', '--in', inFile, '--out', tokensFile], advertiser);
    expect(encrypted.code, encrypted.stderr).to.equal(0);
    const tokensCsv = await readFile(tokensFile);
    const [header, row] = parse(tokensCsv, { encoding: 'latin1' }) as string[][];
    expect(header).to.deep.equal(['name', 'raw_uid', 'note', 'token', 'status']);
    expect(tokensCsv.subarray(tokensCsv.indexOf('\n') + 1).subarray(0, name.length + 1 + uid.length + 1 + note.length)).to.deep.equal(Buffer.concat([name, Buffer.from(`,${uid},`), note]));

    // back through decrypt, as CSV again: the same bytes
    await writeFile(backFile, Buffer.concat([Buffer.from('name,token,note\n'), line(name, Buffer.from(row![3]!), note)]));
    const outFile = path.join(folder, 'latin1-out.csv');
    const decrypted = await runShareCommand(['decrypt', '--in', backFile, '--out', outFile], dsp);
    expect(decrypted.code, decrypted.stderr).to.equal(0);
    const outCsv = await readFile(outFile);
    const [, received] = parse(outCsv, { encoding: 'latin1' }) as string[][];
    expect(received!.slice(0, 4)).to.deep.equal([name.toString('latin1'), row![3], note.subarray(1, -1).toString('latin1'), uid]);

    // CSV to JSON Lines decodes the text as UTF-8, as JSON is
    const jsonlFile = path.join(folder, 'utf8.jsonl');
    await writeFile(inFile, `name,raw_uid\nZoë,${uid}\n`);
    const jsonl = await runShareCommand(['encrypt', '--in', inFile, '--out', jsonlFile], advertiser);
    expect(jsonl.code, jsonl.stderr).to.equal(0);
    expect(JSON.parse(await readFile(jsonlFile, 'utf8'))).to.deep.include({ name: 'Zoë', raw_uid: uid, status: 'success' });
  });

  it('reads and writes JSON Lines, by --format and by the file extension, values passed through as they were', async () => {
    const uid = rawUid();
    const input = JSON.stringify({ raw_uid: uid, id: 7, tags: ['a', 'b'], nested: { x: null } }) + '\n\n' + JSON.stringify({ raw_uid: 42 }) + '\n';
    const encrypted = await runShareCommand(['encrypt', '--format', 'jsonl'], advertiser, input);
    expect(encrypted.code).to.equal(1); // the second row's raw_uid is not a string
    const rows = encrypted.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(rows[0]).to.deep.include({ raw_uid: uid, id: 7, tags: ['a', 'b'], nested: { x: null }, status: 'success' });
    expect(rows[1]).to.deep.equal({ raw_uid: 42, token: '', status: 'invalid_raw_uid' });

    // JSON Lines in, CSV out (each by its extension): the first row's keys are the columns
    const jsonlFile = path.join(folder, 'customers.jsonl');
    const csvFile = path.join(folder, 'customers-tokens.csv');
    await writeFile(jsonlFile, JSON.stringify({ raw_uid: uid, id: 7 }) + '\n');
    const converted = await runShareCommand(['encrypt', '--in', jsonlFile, '--out', csvFile], advertiser);
    expect(converted.code, converted.stderr).to.equal(0);
    const csv = await readFile(csvFile, 'utf8');
    expect(csv.split('\n')[0]).to.equal('raw_uid,id,token,status');
    expect(parse(csv, { columns: true })[0]).to.include({ raw_uid: uid, id: '7', status: 'success' });

    const tokensFile = path.join(folder, 'tokens.jsonl');
    await writeFile(tokensFile, JSON.stringify({ token: rows[0].token, id: 7 }) + '\n');
    const decrypted = await runShareCommand(['decrypt', '--in', tokensFile], dsp);
    expect(decrypted.code, decrypted.stderr).to.equal(0);
    expect(JSON.parse(decrypted.stdout)).to.deep.include({ id: 7, raw_uid: uid, status: 'success', site_id: '124' });
  });

  it('gives each bad row its status and goes on; the counts and the exit status say rows failed', async () => {
    const uid = rawUid();
    const encrypted = await runShareCommand(['encrypt'], advertiser, `raw_uid\n${uid}\nnot a raw uid\n${randomBytes(20).toString('base64')}\n`);
    expect(encrypted.code).to.equal(1);
    expect((parse(encrypted.stdout, { columns: true }) as Record<string, string>[]).map((row) => row.status)).to.deep.equal(['success', 'invalid_raw_uid', 'invalid_raw_uid']);
    expect(encrypted.stderr).to.contain('3 rows, 1 ok, 2 failed (invalid_raw_uid 2)');
    expect(encrypted.stderr).to.not.contain(uid);

    const good = (parse(encrypted.stdout, { columns: true }) as Record<string, string>[])[0]!.token!;
    // site 126's keyset grants no one: the DSP holds no key for its tokens
    const dataProviderKeys = await fetchSharingKeys(clientOf(operator, 'local-data-provider'));
    const notGranted = await encryptRawUidIntoToken(rawUid(), dataProviderKeys, { now: Date.now() });
    // encrypted 31 days ago by the advertiser with today's keys (the local operator's sharing tokens live 30 days)
    const advertiserKeys = await fetchSharingKeys(clientOf(operator, 'local-advertiser'));
    const keysActiveThen = new Map([...advertiserKeys.keys].map(([id, key]) => [id, { ...key, activates: 0 }]));
    const expired = await encryptRawUidIntoToken(rawUid(), { ...advertiserKeys, keys: keysActiveThen }, { now: Date.now() - 31 * DAY_MS });
    if (notGranted.status !== 'success' || expired.status !== 'success') throw new Error('could not make the test tokens');
    const decrypted = await runShareCommand(['decrypt'], dsp, `n,token\n1,${good}\n2,${notGranted.token}\n3,${expired.token}\n4,garbage\n5,\n`);
    expect(decrypted.code).to.equal(1);
    const rows = parse(decrypted.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [row.n, row.status, row.raw_uid === '', row.site_id === ''])).to.deep.equal([
      ['1', 'success', false, false],
      ['2', 'not_authorized_for_key', true, true],
      ['3', 'expired_token', true, false],
      ['4', 'version_not_supported', true, true],
      ['5', 'invalid_payload', true, true],
    ]);
    // the expired token opened: its sender and established time, as the SDKs report them, and no raw UID
    expect([rows[2]!.site_id, Date.parse(rows[2]!.established!) <= Date.now() - 31 * DAY_MS]).to.deep.equal(['124', true]);
    expect(decrypted.stderr).to.contain('5 rows, 1 ok, 4 failed (not_authorized_for_key 1, expired_token 1, version_not_supported 1, invalid_payload 1)');
  });

  it('JSON Lines to CSV: every row under the first row\'s columns whatever its own key order or missing keys, true and false as they read; a byte order mark is dropped', async () => {
    const uid = rawUid();
    // more rows than a CSV write batch (256), the later ones with their keys in another order, one without `note`
    const rows = [
      ...Array.from({ length: 300 }, (_, index) => ({ id: index, raw_uid: uid, note: 'n', opt_in: index % 2 === 0 })),
      { note: 'swapped', opt_in: false, raw_uid: uid, id: 300 },
      { raw_uid: uid, id: 301, opt_in: true },
    ];
    const jsonlFile = path.join(folder, 'shapes.jsonl');
    await writeFile(jsonlFile, '\uFEFF' + rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const csvFile = path.join(folder, 'shapes.csv');
    const result = await runShareCommand(['encrypt', '--in', jsonlFile, '--out', csvFile], advertiser);
    expect(result.code, result.stderr).to.equal(0);
    const csv = await readFile(csvFile, 'utf8');
    expect(csv.split('\n')[0]).to.equal('id,raw_uid,note,opt_in,token,status');
    const written = parse(csv, { columns: true }) as Record<string, string>[];
    expect(written).to.have.length(302);
    expect(written.slice(298).map((row) => [row.id, row.raw_uid, row.note, row.opt_in, row.status])).to.deep.equal([
      ['298', uid, 'n', 'true', 'success'], ['299', uid, 'n', 'false', 'success'], ['300', uid, 'swapped', 'false', 'success'], ['301', uid, '', 'true', 'success'],
    ]);

    // a later row without a key named like an Object method that the first row has
    const methodNamed = path.join(folder, 'constructor.jsonl');
    await writeFile(methodNamed, JSON.stringify({ raw_uid: uid, constructor: 'c' }) + '\n' + JSON.stringify({ raw_uid: uid }) + '\n');
    const named = await runShareCommand(['encrypt', '--in', methodNamed, '--out', csvFile], advertiser);
    expect(named.code, named.stderr).to.equal(0);
    expect((parse(await readFile(csvFile, 'utf8'), { columns: true }) as Record<string, string>[]).map((row) => row.constructor)).to.deep.equal(['c', '']);
  });

  it('--drop-raw-uid leaves the raw UID column out of what encrypt writes (CSV and JSON Lines), so the file can go to a receiver; decrypt refuses it', async () => {
    const uids = [rawUid(), rawUid()];
    const csv = await runShareCommand(['encrypt', '--drop-raw-uid'], advertiser, `customer,raw_uid,note\nc1,${uids[0]},"a, b"\nc2,not-a-raw-uid,x\n`);
    expect(csv.code).to.equal(1); // the second row's raw UID is bad: its row says so without it
    expect(csv.stdout.split('\n')[0]).to.equal('customer,note,token,status');
    for (const uid of uids) expect(csv.stdout).to.not.contain(uid);
    expect(csv.stdout).to.not.contain('not-a-raw-uid');
    const sent = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(sent.map((row) => [row.customer, row.note, row.status])).to.deep.equal([['c1', 'a, b', 'success'], ['c2', 'x', 'invalid_raw_uid']]);

    // the receiver decrypts the file as it was sent: its status column (the sender's) now holds the receiver's, and
    // the command says so
    const tokensFile = path.join(folder, 'dropped-tokens.csv');
    await writeFile(tokensFile, csv.stdout);
    const decrypted = await runShareCommand(['decrypt', '--in', tokensFile], dsp);
    const received = parse(decrypted.stdout, { columns: true }) as Record<string, string>[];
    expect(decrypted.stdout.split('\n')[0]).to.equal('customer,note,token,status,raw_uid,site_id,established');
    expect(received.map((row) => [row.customer, row.raw_uid, row.status])).to.deep.equal([['c1', uids[0], 'success'], ['c2', '', 'invalid_payload']]);
    expect(decrypted.stderr).to.match(/^prebid-uid2-share: the input's status column now holds this run's values\nprebid-uid2-share decrypt: 2 rows, 1 ok, 1 failed/);

    const jsonl = await runShareCommand(['encrypt', '--format', 'jsonl', '--drop-raw-uid'], advertiser, JSON.stringify({ id: 7, raw_uid: uids[1], nested: { raw_uid: 'kept' } }) + '\n');
    expect(jsonl.code, jsonl.stderr).to.equal(0);
    const row = JSON.parse(jsonl.stdout);
    expect(Object.keys(row)).to.deep.equal(['id', 'nested', 'token', 'status']);
    expect(jsonl.stderr).to.not.contain('now hold');
    expect(row.nested).to.deep.equal({ raw_uid: 'kept' }); // only the column the command reads
    expect(jsonl.stdout).to.not.contain(uids[1]);

    const refused = await runShareCommand(['decrypt', '--drop-raw-uid'], dsp, 'token\n');
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/^prebid-uid2-share: --drop-raw-uid is for encrypt .*\nusage: prebid-uid2-share /);
  });

  it('stops at a malformed CSV line with its number, without echoing its content', async () => {
    const secretish = rawUid();
    const result = await runShareCommand(['encrypt'], advertiser, `raw_uid,note\n${rawUid()},ok\n${secretish},"broken"x\n${rawUid()},never read\n`);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/stopped after \d+ rows: malformed CSV at line 3 \(CSV_INVALID_CLOSING_QUOTE\)\n$/);
    expect(result.stderr).to.not.contain(secretish);
    expect(result.stderr.trim().split('\n')).to.have.length(1);

    const noColumn = await runShareCommand(['encrypt'], advertiser, 'uid\nabc\n');
    expect([noColumn.code, noColumn.stderr]).to.deep.equal([2, 'prebid-uid2-share encrypt: stopped after 0 rows: the CSV header has no raw_uid column\n']);
    // a row is keyed by column name: a second column of one name would overwrite the first's values
    for (const [header, repeated] of [['id,id,raw_uid', 'id'], ['raw_uid,note,raw_uid', 'raw_uid']]) {
      const result = await runShareCommand(['encrypt'], advertiser, `${header}\n1,2,${rawUid()}\n`);
      expect([result.code, result.stderr, result.stdout], header).to.deep.equal([2, `prebid-uid2-share encrypt: stopped after 0 rows: the CSV header names "${repeated}" twice: a row keeps one value per column name\n`, '']);
    }

    const jsonl = await runShareCommand(['decrypt', '--format', 'jsonl'], dsp, '{"token":"x"}\n{"token":\n');
    expect(jsonl.code).to.equal(2);
    expect(jsonl.stderr).to.contain('malformed JSON Lines at line 2 (not JSON)');
    // valid JSON, but deeper than JSON.stringify can write back: stopped at its line, not by a stack overflow
    const deep = (levels: number) => `{"token":"x","deep":${'['.repeat(levels)}"[{"${']'.repeat(levels)}}`;
    const tooDeep = await runShareCommand(['decrypt', '--format', 'jsonl'], dsp, `${deep(MAX_JSON_DEPTH - 1)}\n${deep(6000)}\n`);
    expect([tooDeep.code, tooDeep.stderr]).to.deep.equal([2, `prebid-uid2-share decrypt: stopped after 0 rows: malformed JSON Lines at line 2 (nested deeper than ${MAX_JSON_DEPTH} levels)\n`]);

    // a file without line breaks is not read whole into memory
    const endless = 'x'.repeat(1.5 * 2 ** 20);
    const longCsv = await runShareCommand(['encrypt'], advertiser, `raw_uid,note\n${rawUid()},"${endless}"\n`);
    expect([longCsv.code, longCsv.stderr]).to.deep.equal([2, 'prebid-uid2-share encrypt: stopped after 0 rows: malformed CSV at line 2 (CSV_MAX_RECORD_SIZE)\n']);
    const longJsonl = await runShareCommand(['decrypt', '--format', 'jsonl'], dsp, `{"token":"x"}\n{"token":"${endless}`);
    expect([longJsonl.code, longJsonl.stderr]).to.deep.equal([2, `prebid-uid2-share decrypt: stopped after 0 rows: malformed JSON Lines at line 2 (longer than ${2 ** 20} bytes)\n`]);
  });

  it('skips blank lines and lines of whitespace in a CSV, as in JSON Lines: they hold no record', async () => {
    for (const lineBreak of ['\n', '\r\n']) {
      const [first, second] = [rawUid(), rawUid()];
      const lines = ['id,raw_uid', '', `1,${first}`, '   ', '', '\t', `2,${second}`, ' ', ''];
      const result = await runShareCommand(['encrypt'], advertiser, lines.join(lineBreak));
      expect(result.code, result.stderr).to.equal(0);
      const rows = parse(result.stdout, { columns: true }) as Record<string, string>[];
      expect(rows.map((row) => [row.id, row.raw_uid, row.status]), JSON.stringify(lineBreak)).to.deep.equal([['1', first, 'success'], ['2', second, 'success']]);
      expect(result.stderr).to.contain('2 rows, 2 ok, 0 failed');
    }
    // one column: a line of spaces is no raw UID either
    const uid = rawUid();
    const single = await runShareCommand(['encrypt'], advertiser, `raw_uid\n  \n${uid}\n\t\n`);
    expect(single.code, single.stderr).to.equal(0);
    expect((parse(single.stdout, { columns: true }) as Record<string, string>[]).map((row) => [row.raw_uid, row.status])).to.deep.equal([[uid, 'success']]);
    // a short or long row of values still stops the run with its line number
    for (const [row, line] of [['7', 3], [`1,${uid},extra`, 3]] as const) {
      const ragged = await runShareCommand(['encrypt'], advertiser, `id,raw_uid\n1,${uid}\n${row}\n2,${uid}\n`);
      expect(ragged.code, row).to.equal(2);
      expect(ragged.stderr, row).to.match(new RegExp(`^prebid-uid2-share encrypt: stopped after \\d+ rows: malformed CSV at line ${line} \\(CSV_RECORD_INCONSISTENT_COLUMNS\\)\n$`));
    }
  });

  it('gives an empty output for an empty input, and the header line alone for a header without rows', async () => {
    const [jsonlIn, csvOut] = [path.join(folder, 'empty.jsonl'), path.join(folder, 'empty.csv')];
    await writeFile(jsonlIn, '');
    const cases: Array<[string[], string, string]> = [
      [['encrypt'], '', ''],
      [['encrypt', '--format', 'jsonl'], '', ''],
      [['encrypt'], 'id,raw_uid\n', 'id,raw_uid,token,status\n'],
      [['decrypt'], 'token\r\n', 'token,raw_uid,status,site_id,established\n'],
      // JSON Lines in, CSV out: no row, so no column is known
      [['decrypt', '--in', jsonlIn, '--out', csvOut], '', ''],
    ];
    for (const [args, input, expected] of cases) {
      const result = await runShareCommand(args, args[0] === 'encrypt' ? advertiser : dsp, input);
      expect(result.code, result.stderr).to.equal(0);
      const output = args.includes('--out') ? await readFile(csvOut, 'utf8') : result.stdout;
      expect(output, `${args.join(' ')} of ${JSON.stringify(input)}`).to.equal(expected);
      expect(result.stderr).to.contain('0 rows, 0 ok, 0 failed');
    }
  });

  it('fails at once with one clear line on wrong credentials or an unreachable operator', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...advertiser, UID2_API_KEY: 'UID2-C-L-124-wrong' }, /refused UID2_API_KEY \(401\)/],
      [{ ...advertiser, UID2_SECRET_KEY: dsp.UID2_SECRET_KEY! }, /could not open the request: check UID2_SECRET_KEY/],
      [{ ...advertiser, UID2_SECRET_KEY: 'dGVzdA==' }, /UID2_SECRET_KEY is not a 32-byte key in base64$/m],
      [{ ...advertiser, UID2_BASE_URL: `http://127.0.0.1:${closedPort}` }, new RegExp(`cannot reach the UID2 operator at http://127\\.0\\.0\\.1:${closedPort} \\(ECONNREFUSED\\)`)],
      [{ UID2_BASE_URL: operator.url }, /set UID2_API_KEY, UID2_SECRET_KEY in the environment/],
    ];
    for (const [env, message] of cases) {
      const result = await runShareCommand(['encrypt'], env, `raw_uid\n${rawUid()}\n`);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.match(message);
      expect(result.stderr.trim().split('\n'), result.stderr).to.have.length(1);
      expect(result.stdout).to.equal('');
      if (env.UID2_SECRET_KEY) expect(result.stderr).to.not.contain(env.UID2_SECRET_KEY);
    }
  });

  it('takes no credentials from the command line', async () => {
    const result = await runShareCommand(['encrypt', '--api-key', advertiser.UID2_API_KEY!], {}, '');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain("Unknown option '--api-key'");
  });

  it('stops with one line, before asking the operator, on an s3:// location without a bucket or key and on --workers out of bounds', async () => {
    // an operator that is not there: each run must stop on its arguments before trying it
    const nowhere = { UID2_BASE_URL: 'http://127.0.0.1:9', UID2_API_KEY: 'key', UID2_SECRET_KEY: advertiser.UID2_SECRET_KEY! };
    for (const location of ['s3://', 's3://bucket', 's3:///key']) {
      for (const flag of ['--in', '--out']) {
        const result = await runShareCommand(['encrypt', flag, location], nowhere, '');
        expect(result.code, `${flag} ${location}`).to.equal(2);
        expect(result.stderr).to.equal(`prebid-uid2-share encrypt: stopped: an S3 location is s3://bucket/key, not ${location}\n`);
      }
    }
    const maxWorkers = 4 * os.availableParallelism();
    for (const workers of ['-1', '1e3', '0x2', '2.5', String(maxWorkers + 1), '100000']) {
      const result = await runShareCommand(['encrypt', `--workers=${workers}`], nowhere, '');
      expect(result.code, workers).to.equal(2);
      expect(result.stderr, workers).to.contain(`--workers must be a whole number from 0 (no worker threads) to ${maxWorkers} (four per core)`);
    }
  });

  it('encrypts a file in place, and refuses an --out that is a link to the file it reads, leaving the file as it was', async () => {
    const file = path.join(folder, 'same.csv');
    const link = path.join(folder, 'same-link.csv');
    const uid = emailRawUid();
    const content = `id,raw_uid\n7,${uid}\n`;
    await writeFile(file, content);
    await symlink(file, link);
    const throughLink = await runShareCommand(['encrypt', '--in', file, '--out', link], advertiser);
    expect([throughLink.code, throughLink.stderr]).to.deep.equal([2, `prebid-uid2-share encrypt: stopped: --out is a link to the file --in reads (${file}): written through the link, it would be emptied before it is read\n`]);
    expect(await readFile(file, 'utf8')).to.equal(content);

    const inPlace = await runShareCommand(['encrypt', '--in', file, '--out', file], advertiser);
    expect(inPlace.code, inPlace.stderr).to.equal(0);
    const [row] = parse(await readFile(file), { columns: true }) as Record<string, string>[];
    expect(row).to.include({ id: '7', raw_uid: uid, status: 'success' });
    expect(row!.token).to.match(/^A4/);
  });

  it('replaces an --out file only when the run succeeds: a run that stops leaves it as it was, and no partial copy', async () => {
    const outFile = path.join(folder, 'kept.csv');
    await writeFile(outFile, 'yesterday\'s output\n', { mode: 0o600 });
    const stopped = await runShareCommand(['encrypt', '--out', outFile], advertiser, `raw_uid\n${rawUid()}\n"broken"x\n`);
    expect(stopped.code, stopped.stderr).to.equal(2);
    expect(await readFile(outFile, 'utf8')).to.equal('yesterday\'s output\n');
    const leftovers = () => readdir(folder).then((names) => names.filter((name) => name.startsWith('kept.csv.')));
    expect(await leftovers()).to.deep.equal([]);

    const uid = rawUid();
    const succeeded = await runShareCommand(['encrypt', '--out', outFile], advertiser, `raw_uid\n${uid}\n`);
    expect(succeeded.code, succeeded.stderr).to.equal(0);
    expect((parse(await readFile(outFile), { columns: true }) as Record<string, string>[])[0]).to.include({ raw_uid: uid, status: 'success' });
    // the file holds raw UID2s or tokens: kept private, it stays private
    expect((await stat(outFile)).mode & 0o777).to.equal(0o600);
    expect(await leftovers()).to.deep.equal([]);
    // and a file shared with the group and others stays so too, whatever the umask takes from a new file
    await chmod(outFile, 0o666);
    const shared = await runShareCommand(['encrypt', '--out', outFile], advertiser, `raw_uid\n${uid}\n`);
    expect(shared.code, shared.stderr).to.equal(0);
    expect((await stat(outFile)).mode & 0o777).to.equal(0o666);
  });

  it('stops on Ctrl-C or TERM as a failed run: the --out file as it was, no partial copy, the shell\'s status for the signal', async () => {
    const outFile = path.join(folder, 'interrupted.csv');
    await writeFile(outFile, 'yesterday\'s output\n');
    const partialCopies = () => readdir(folder).then((names) => names.filter((name) => name.startsWith('interrupted.csv.')));
    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      // the input stays open: the run is mid-way, its partial copy written, when the signal comes
      const run = startShareCommand(['encrypt', '--out', outFile], advertiser);
      run.process.stdin.write(`raw_uid\n${Array.from({ length: 2000 }, rawUid).join('\n')}\n`);
      while ((await partialCopies()).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      run.process.kill(signal);
      const { code, stderr } = await run.result;
      expect(code, stderr).to.equal(status);
      expect(stderr).to.match(new RegExp(`^prebid-uid2-share encrypt: stopped after \\d+ rows: interrupted \\(${signal}\\)\n$`));
      expect(await readFile(outFile, 'utf8')).to.equal('yesterday\'s output\n');
      expect(await partialCopies()).to.deep.equal([]);
    }
  });

  it('writes to a named pipe --out once its reader opens it, as a shell\'s > does; Ctrl-C ends the wait at once', async () => {
    const fifo = path.join(folder, 'pipe.fifo');
    execFileSync('mkfifo', [fifo]);
    const uid = rawUid();
    const read = startShareCommand(['encrypt', '--out', fifo], advertiser);
    read.process.stdin.end(`raw_uid\n${uid}\n`);
    const written = await readFile(fifo, 'utf8');
    expect((await read.result).code).to.equal(0);
    expect((parse(written, { columns: true }) as Record<string, string>[]).map((row) => [row.raw_uid, row.status])).to.deep.equal([[uid, 'success']]);

    // no reader: the run waits, and stops at once on Ctrl-C (it used to be held until a reader came)
    const unread = startShareCommand(['encrypt', '--out', fifo], advertiser);
    unread.process.stdin.end(`raw_uid\n${uid}\n`);
    const early = await Promise.race([unread.result, new Promise<undefined>((resolve) => setTimeout(resolve, 1000))]);
    expect(early, 'still waiting for a reader').to.equal(undefined);
    unread.process.kill('SIGINT');
    const ended = await Promise.race([unread.result, new Promise<undefined>((resolve) => setTimeout(resolve, 5000))]);
    if (ended === undefined) unread.process.kill('SIGKILL');
    expect(ended && [ended.code, ended.stderr]).to.deep.equal([130, 'prebid-uid2-share encrypt: stopped: interrupted (SIGINT)\n']);
  });

  it('reads a named pipe --in from its writer, and stops at once on Ctrl-C while no writer came', async () => {
    const fifo = path.join(folder, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const uid = rawUid();
    const run = startShareCommand(['encrypt', '--in', fifo], advertiser);
    await writeFile(fifo, `raw_uid\n${uid}\n`);
    const { code, stdout } = await run.result;
    expect(code).to.equal(0);
    expect((parse(stdout, { columns: true }) as Record<string, string>[]).map((row) => [row.raw_uid, row.status])).to.deep.equal([[uid, 'success']]);

    const waiting = startShareCommand(['encrypt', '--in', fifo], advertiser);
    const early = await Promise.race([waiting.result, new Promise<undefined>((resolve) => setTimeout(resolve, 1000))]);
    expect(early, 'still waiting for a writer').to.equal(undefined);
    waiting.process.kill('SIGINT');
    const ended = await Promise.race([waiting.result, new Promise<undefined>((resolve) => setTimeout(resolve, 5000))]);
    if (ended === undefined) waiting.process.kill('SIGKILL');
    expect(ended?.code, 'ended by the one Ctrl-C').to.equal(130);
    expect(ended?.stderr).to.match(/^prebid-uid2-share encrypt: stopped( after 0 rows)?: interrupted \(SIGINT\)\n$/);
  });

  it('stops at once on Ctrl-C while an operator does not answer', async () => {
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const { port } = silent.address() as net.AddressInfo;
      const run = startShareCommand(['encrypt'], { ...advertiser, UID2_BASE_URL: `http://127.0.0.1:${port}` });
      await once(silent, 'connection');
      const interrupted = Date.now();
      run.process.kill('SIGINT');
      const { code, stderr } = await run.result;
      expect([code, stderr]).to.deep.equal([130, 'prebid-uid2-share encrypt: stopped: interrupted (SIGINT)\n']);
      // the key fetch would have waited 30 s for its answer
      expect(Date.now() - interrupted).to.be.below(5000);
    } finally {
      silent.close();
    }
  });

  it('its tokens decrypt with the library decoder as an SDK decrypts them, with the receiver\'s keys only', async () => {
    const uid = emailRawUid();
    const encrypted = await runShareCommand(['encrypt', '--workers', '0'], advertiser, `raw_uid\n${uid}\n`);
    const token = (parse(encrypted.stdout, { columns: true }) as Record<string, string>[])[0]!.token!;
    const now = Date.now();
    const forDsp = await decryptAdvertisingToken(token, await fetchSharingKeys(clientOf(operator, 'local-dsp')), { now, clientType: 'sharing' });
    expect(forDsp).to.deep.include({ status: 'success', rawUid: uid, siteId: 124, tokenVersion: 4, identityType: 'email' });
    const forPublisherOnly = await decryptAdvertisingToken(token, await fetchSharingKeys(clientOf(operator, 'local-data-provider')), { now, clientType: 'sharing' });
    expect(forPublisherOnly).to.deep.equal({ status: 'not_authorized_for_key' });
  });
});
