// s3://bucket/key input and output, through the AWS SDK v3: the object streamed down as it is read, the output
// streamed up in a multipart upload (lib-storage's Upload: 5 MiB parts, a few in flight, so memory stays flat).
// Credentials and region come from the SDK's standard chain (environment, shared config, instance roles); an
// S3-compatible store (MinIO, a local test server) is named by the SDK's own AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL,
// and is then addressed path-style, which every such store serves.
//
// The SDK is an optional peer dependency, loaded only for s3:// locations: a publisher installing the Prebid
// modules does not pull it in (see the README's Dependencies section).
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';

export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * `s3://bucket/key` → its parts; undefined for anything else (a local path). Throws for an s3:// location without a
 * bucket or a key, which would otherwise be taken for a file of that name.
 */
export function parseS3Url(location: string): S3Location | undefined {
  if (!location.startsWith('s3://')) return undefined;
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!match) throw new Error(`an S3 location is s3://bucket/key, not ${location}`);
  return { bucket: match[1]!, key: match[2]! };
}

export class MissingAwsSdkError extends Error {
  constructor() {
    super('s3:// locations need the AWS SDK v3: npm i @aws-sdk/client-s3 @aws-sdk/lib-storage');
  }
}

async function importSdk<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw new MissingAwsSdkError();
    throw error;
  }
}

type ClientS3 = typeof import('@aws-sdk/client-s3');
type LibStorage = typeof import('@aws-sdk/lib-storage');

async function s3Client(): Promise<{ sdk: ClientS3; client: S3Client }> {
  const sdk = await importSdk<ClientS3>('@aws-sdk/client-s3');
  const customEndpoint = Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
  return { sdk, client: new sdk.S3Client({ forcePathStyle: customEndpoint }) };
}

/** The object's bytes as they arrive. */
export async function readS3(location: S3Location): Promise<Readable> {
  const { sdk, client } = await s3Client();
  const answer = await client.send(new sdk.GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  return answer.Body as Readable;
}

/**
 * A stream to write the object into, the upload's end (it settles once the last part is stored), and its abort:
 * a multipart upload left open would keep its parts (and their cost) in the bucket.
 */
export async function writeS3(
  location: S3Location,
  contentType: string,
): Promise<{ stream: Writable; finish(): Promise<unknown>; abort(): Promise<void> }> {
  const { client } = await s3Client();
  const { Upload } = await importSdk<LibStorage>('@aws-sdk/lib-storage');
  const stream = new PassThrough();
  const upload = new Upload({ client, params: { Bucket: location.bucket, Key: location.key, Body: stream, ContentType: contentType } });
  const done = upload.done();
  done.catch(() => {}); // seen by the caller when it awaits finish(); a run that stops first aborts instead
  return { stream, finish: () => done, abort: () => upload.abort() };
}
