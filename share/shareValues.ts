// The work of one batch of rows, on the main thread or in a worker: raw UIDs into sharing tokens (encrypt), or
// sharing tokens into raw UIDs (decrypt), each value on its own, so a bad one gives its row a status and nothing
// more. Only the column a mode reads goes in and only the columns it adds come out: rows never cross threads.
import { decryptAdvertisingTokenSync, type DecryptionResult } from '../libraries/uid2/receiver/advertisingToken.js';
import type { KeyContainer } from '../libraries/uid2/receiver/keys.js';
import { encryptRawUidIntoTokenSync } from '../libraries/uid2/receiver/sharing.js';

export type ShareMode = 'encrypt' | 'decrypt';

/** What each mode reads from a row, and adds to it. */
export const INPUT_COLUMN: Record<ShareMode, string> = { encrypt: 'raw_uid', decrypt: 'token' };
export const ADDED_COLUMNS: Record<ShareMode, readonly string[]> = {
  encrypt: ['token', 'status'],
  decrypt: ['raw_uid', 'status', 'site_id', 'established'],
};

export const SUCCESS = 'success';

/** an empty or non-text token value */
const NO_TOKEN: DecryptionResult = { status: 'invalid_payload' };

/**
 * The added columns of a batch, one array per column, index for index with its rows: what crosses from a worker
 * thread (a few arrays of strings clone several times faster than an object per row).
 */
export type AddedColumns = Record<string, string[]>;

/**
 * The library's encryption refuses anything that is not the base64 of a 32- or 33-byte raw UID as
 * `invalid_payload`; for a sender's row that means the raw UID column is bad.
 */
function encryptionStatus(status: string): string {
  return status === 'invalid_payload' ? 'invalid_raw_uid' : status;
}

function encryptValue(rawUid: unknown, keys: KeyContainer, now: number): { token: string; status: string } {
  if (typeof rawUid !== 'string' || rawUid === '') return { token: '', status: 'invalid_raw_uid' };
  // synchronous, as decryptInto below: this module runs in Node only, on node:crypto
  const result = encryptRawUidIntoTokenSync(rawUid, keys, { now });
  return result.status === 'success' ? { token: result.token, status: SUCCESS } : { token: '', status: encryptionStatus(result.status) };
}

/**
 * The ISO 8601 text of an `established` time, remembering the last one: a sender's batch is encrypted at one `now`
 * (see shareTransform.ts), so runs of rows share their millisecond, and a Date and its text per row cost about as
 * much as one of the token's two GCM layers. Undefined for a time no date holds (beyond ±8.64e15 ms): a token a
 * sender's key sealed with, say, nanoseconds there.
 */
function isoTimeFormatter(): (ms: number) => string | undefined {
  let lastMs = NaN;
  let lastText: string | undefined;
  return (ms) => {
    if (ms !== lastMs) {
      const date = new Date(ms);
      lastText = Number.isNaN(date.getTime()) ? undefined : date.toISOString();
      lastMs = ms;
    }
    return lastText;
  };
}

/** Decrypts each token into the columns at its index; `sharing`: the lifetime checks UID2's SharingClient makes. */
function decryptInto(columns: AddedColumns, tokens: readonly unknown[], keys: KeyContainer, now: number): void {
  const { raw_uid: rawUids, status: statuses, site_id: siteIds, established } = columns as Record<'raw_uid' | 'status' | 'site_id' | 'established', string[]>;
  const options = { now, clientType: 'sharing' } as const;
  const isoTime = isoTimeFormatter();
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    // synchronous: this module runs in Node only, on node:crypto, and a promise per row costs a fifth of it
    const result: DecryptionResult = typeof token === 'string' && token !== '' ? decryptAdvertisingTokenSync(token, keys, options) : NO_TOKEN;
    // a token that opened has a sender and an established time, refused (expired, say) or not, as in the SDKs
    const opened = result.status === 'success' || 'siteId' in result ? result : undefined;
    const time = opened && isoTime(opened.established);
    if (opened && time !== undefined) {
      statuses[index] = result.status;
      rawUids[index] = result.status === SUCCESS ? result.rawUid : '';
      siteIds[index] = String(opened.siteId);
      established[index] = time;
    } else {
      // a token that opened, but whose established time is no time, is as unreadable as one that did not
      statuses[index] = result.status === 'success' ? 'invalid_payload' : result.status;
      rawUids[index] = siteIds[index] = established[index] = '';
    }
  }
}

/** The added columns for the input values, in order. `now`: ms epoch, the time the tokens are made or checked at. */
export async function shareValues(mode: ShareMode, values: readonly unknown[], keys: KeyContainer, now: number): Promise<AddedColumns> {
  const columns: AddedColumns = Object.fromEntries(ADDED_COLUMNS[mode].map((name) => [name, new Array<string>(values.length)]));
  if (mode === 'decrypt') {
    decryptInto(columns, values, keys, now);
    return columns;
  }
  for (let index = 0; index < values.length; index++) {
    const { token, status } = encryptValue(values[index], keys, now);
    columns.token![index] = token;
    columns.status![index] = status;
  }
  return columns;
}
