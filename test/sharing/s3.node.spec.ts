// prebid-uid2-share with s3:// input and output: the AWS SDK v3 against s3rver, an S3-compatible server on
// loopback that the spec starts (no mock of the SDK): the real GetObject stream and multipart upload.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { credentialsOf, runShareCommand, startLiveOperator, startLocalS3, type LiveOperator, type LocalS3 } from '../../devstack/sharing/liveSharing.js';

describe('prebid-uid2-share: S3 in and out', function () {
  this.timeout(30000);
  let operator: LiveOperator;
  let s3: LocalS3;
  let client: S3Client;

  before(async () => {
    [operator, s3] = await Promise.all([startLiveOperator(), startLocalS3()]);
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = s3.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    client = new S3Client({
      endpoint: s3.env.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
      region: s3.env.AWS_REGION,
      credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY! },
    });
  });
  after(async () => {
    client?.destroy();
    await Promise.all([operator?.close(), s3?.close()]);
  });

  const getText = async (key: string): Promise<string> =>
    (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToString();

  it('encrypts an object into another and decrypts it back, the output in a multipart upload', async () => {
    // ~8 MiB of output: lib-storage's Upload sends more than one 5 MiB part
    const rows = 12_000;
    const uids = Array.from({ length: rows }, () => randomBytes(32).toString('base64'));
    const padding = 'x'.repeat(400);
    await client.send(new PutObjectCommand({
      Bucket: s3.bucket,
      Key: 'in/customers.csv',
      Body: 'id,raw_uid,padding\n' + uids.map((uid, index) => `${index},${uid},${padding}`).join('\n') + '\n',
    }));
    const sender = { ...s3.env, ...credentialsOf(operator, 'local-advertiser') };
    const encrypted = await runShareCommand(['encrypt', '--in', `s3://${s3.bucket}/in/customers.csv`, '--out', `s3://${s3.bucket}/out/tokens.csv`], sender);
    expect(encrypted.code, encrypted.stderr).to.equal(0);
    expect(encrypted.stderr).to.contain(`${rows} rows, ${rows} ok, 0 failed`);
    const tokens = await getText('out/tokens.csv');
    expect(tokens.length).to.be.above(6 * 2 ** 20);

    const receiver = { ...s3.env, ...credentialsOf(operator, 'local-dsp') };
    const decrypted = await runShareCommand(['decrypt', '--in', `s3://${s3.bucket}/out/tokens.csv`, '--out', `s3://${s3.bucket}/out/segment.jsonl`], receiver);
    expect(decrypted.code, decrypted.stderr).to.equal(0);
    const segment = (await getText('out/segment.jsonl')).trim().split('\n').map((line) => JSON.parse(line));
    expect(segment.map((row) => row.raw_uid)).to.deep.equal(uids);
    expect(segment.every((row) => row.status === 'success' && row.padding === padding)).to.equal(true);
    expect((parse(tokens, { columns: true, to: 1 }) as Array<Record<string, string>>)[0]).to.include({ id: '0', status: 'success' });
  });

  it('says in one line what is wrong with a missing object', async () => {
    const sender = { ...s3.env, ...credentialsOf(operator, 'local-advertiser') };
    const result = await runShareCommand(['encrypt', '--in', `s3://${s3.bucket}/in/none.csv`], sender);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/^prebid-uid2-share encrypt: stopped: .*(NoSuchKey|does not exist)/);
  });
});
