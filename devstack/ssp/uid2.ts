// The SSP as a UID2 receiver: fetches decryption keys from the operator's /v2/key/bidstream (or
// /v2/key/sharing), keeps them fresh, and decrypts the UID2 tokens found in bid requests. What it reports never
// contains a token or a raw UID2: only whether decryption worked, the token's metadata and a short fingerprint.
import { createHash } from 'node:crypto';
import { LOCAL_OPERATOR_CONFIG, loadOperatorConfig, type OperatorConfig } from '../operator/config.js';
import { decryptAdvertisingToken, detectTokenVersion, type DecryptionStatus, type TokenFacts } from '../../libraries/uid2/receiver/advertisingToken.js';
import { parseKeyContainer, type KeyContainer } from '../../libraries/uid2/receiver/keys.js';
import { callOperator } from '../../libraries/uid2/receiver/operatorClient.js';
import type { Eid } from './validate.js';

export const UID2_SOURCE = 'uidapi.com';
export const EUID_SOURCE = 'euid.eu';

export type KeyEndpoint = 'bidstream' | 'sharing';

export interface ReceiverCredentials {
  apiKey: string;
  secret: string;
}

/**
 * The API key and secret of the local operator's receiver (a client with the ID_READER role, e.g. `local-dsp`)
 * from its config file.
 */
export async function localReceiverCredentials(configPath = LOCAL_OPERATOR_CONFIG): Promise<ReceiverCredentials> {
  return receiverCredentialsOf(await loadOperatorConfig(configPath), configPath);
}

/** The receiver's API key and secret in an operator config already loaded. */
export function receiverCredentialsOf(config: OperatorConfig, source = 'config'): ReceiverCredentials {
  const client = config.clients.find((c) => !c.disabled && c.roles.includes('ID_READER'));
  if (!client) throw new Error(`${source}: no enabled client with the ID_READER role`);
  return { apiKey: client.key, secret: client.secret };
}

export interface KeyStoreOptions extends ReceiverCredentials {
  operatorUrl: string;
  endpoint?: KeyEndpoint;
  /** ms epoch clock, also the envelope timestamp (the operator checks it); default Date.now */
  now?: () => number;
  /** periodic refresh; default 5 minutes (the docs ask receivers for at least hourly) */
  refreshMs?: number;
  /** least time between two on-demand refreshes (unknown key id, keys expired); default 5 s */
  retryMs?: number;
}

export interface KeyStatus {
  operatorUrl: string;
  endpoint: KeyEndpoint;
  loaded: boolean;
  keys: number;
  /** ms epoch of the last successful fetch */
  fetchedAt?: number;
  lastError?: string;
}

/** Statuses that a fresher key container may turn into success. */
export const RETRY_WITH_NEW_KEYS: ReadonlySet<string> = new Set(['not_authorized_for_master_key', 'not_authorized_for_key', 'keys_not_synced']);

/** Keys from the operator, refreshed every `refreshMs` and on demand when a token names a key it lacks. */
export class KeyStore {
  readonly endpoint: KeyEndpoint;
  private container?: KeyContainer;
  private fetchedAt?: number;
  private lastError?: string;
  private lastAttempt = -Infinity;
  private inflight?: Promise<KeyContainer | undefined>;
  private timer?: ReturnType<typeof setInterval>;
  private readonly now: () => number;

  constructor(private readonly options: KeyStoreOptions) {
    this.endpoint = options.endpoint ?? 'bidstream';
    this.now = options.now ?? Date.now;
  }

  /** Starts the periodic refresh; resolves with the first fetch's keys (undefined if it failed). */
  start(): Promise<KeyContainer | undefined> {
    this.timer ??= setInterval(() => void this.refresh(true), this.options.refreshMs ?? 300_000);
    this.timer.unref();
    return this.refresh(true);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  status(): KeyStatus {
    return {
      operatorUrl: this.options.operatorUrl,
      endpoint: this.endpoint,
      loaded: this.container !== undefined,
      keys: this.container?.keys.size ?? 0,
      fetchedAt: this.fetchedAt,
      lastError: this.lastError,
    };
  }

  /**
   * Runs `use` with the current keys and, when it finds a key missing (a key rotated or a permission granted since
   * the last fetch), once more with freshly fetched ones, as the SDKs do. Undefined when there are no keys at all.
   */
  async withKeys<T extends { status: string }>(use: (keys: KeyContainer) => Promise<T>): Promise<T | undefined> {
    const current = await this.get();
    if (!current) return undefined;
    const first = await use(current);
    if (!RETRY_WITH_NEW_KEYS.has(first.status)) return first;
    const fresh = await this.refresh(false);
    return fresh ? use(fresh) : first;
  }

  /** The current keys, fetching them first if there are none yet. */
  async get(): Promise<KeyContainer | undefined> {
    return this.container ?? this.refresh(false);
  }

  /**
   * Fetches the keys now, after any fetch in flight (which may have left before a sharing permission changed):
   * what a receiver does when it learns its permissions changed.
   */
  async refetch(): Promise<KeyContainer | undefined> {
    await this.inflight;
    return this.refresh(true);
  }

  /** Fetches the keys again, unless a fetch ran less than `retryMs` ago (then answers with the current ones). */
  refresh(force: boolean): Promise<KeyContainer | undefined> {
    if (this.inflight) return this.inflight;
    if (!force && performance.now() - this.lastAttempt < (this.options.retryMs ?? 5_000)) return Promise.resolve(this.container);
    this.lastAttempt = performance.now();
    this.inflight = this.fetchKeys()
      .then((container) => {
        this.container = container;
        this.fetchedAt = this.now();
        this.lastError = undefined;
        return container;
      })
      .catch((error: unknown) => {
        this.lastError = error instanceof Error ? error.message : String(error);
        return this.container;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchKeys(): Promise<KeyContainer> {
    return parseKeyContainer(await callOperator(this.options, `/v2/key/${this.endpoint}`));
  }
}

/** A participant's sharing keys, refreshed every minute: what the demo's pixel receiver and advertiser hold. */
export function startSharingKeys(client: Omit<KeyStoreOptions, 'endpoint' | 'refreshMs' | 'retryMs'>): KeyStore {
  const keys = new KeyStore({ ...client, endpoint: 'sharing', refreshMs: 60_000, retryMs: 1_000 });
  void keys.start();
  return keys;
}

/** What the SSP learned from a UID2 eid; safe to show to the browser. */
export interface Uid2Report {
  present: boolean;
  atype?: number;
  tokenVersion?: number;
  decrypted?: boolean;
  /** `success`, a decryption status of the UID2 SDKs, `no_operator` or `keys_unavailable` */
  status?: DecryptionStatus | 'success' | 'no_operator' | 'keys_unavailable';
  siteId?: number;
  identityType?: string;
  identityScope?: string;
  clientSideGenerated?: boolean;
  /** ISO dates */
  established?: string;
  expires?: string;
  /** first 6 hex digits of SHA-256(raw UID2): tells two users apart in a demo, reveals nothing */
  fingerprint?: string;
}

/** first 6 hex digits of SHA-256(raw UID2): what the demo's receivers show of a user */
export function uidFingerprint(rawUid: string): string {
  return createHash('sha256').update(rawUid).digest('hex').slice(0, 6);
}

/**
 * Decrypts the first UID2 token among the eids. `domainOrAppName` is the bid request's site domain or app
 * bundle, which the bidstream rules check for client-side generated tokens.
 */
export async function inspectUid2(
  eids: Eid[],
  keys: KeyStore | undefined,
  opts: { now: number; domainOrAppName?: string },
): Promise<Uid2Report> {
  const uid = eids.find((eid) => eid.source === UID2_SOURCE)?.uids[0];
  if (!uid) return { present: false };
  const report: Uid2Report = { present: true, atype: uid.atype, tokenVersion: detectTokenVersion(uid.id), decrypted: false };
  if (!keys) return { ...report, status: 'no_operator' };
  const result = await keys.withKeys((c) =>
    decryptAdvertisingToken(uid.id, c, { now: opts.now, clientType: keys.endpoint, domainOrAppName: opts.domainOrAppName }));
  if (!result) return { ...report, status: 'keys_unavailable' };
  if (result.status !== 'success') return 'siteId' in result ? { ...report, ...factsReport(result), status: result.status } : { ...report, status: result.status };
  return { ...report, ...factsReport(result), decrypted: true, status: 'success', fingerprint: uidFingerprint(result.rawUid) };
}

/** What a token that opened says of itself, as the report shows it (an expired or refused token's too) */
function factsReport(facts: TokenFacts): Partial<Uid2Report> {
  return {
    tokenVersion: facts.tokenVersion,
    siteId: facts.siteId,
    identityType: facts.identityType,
    identityScope: facts.identityScope,
    clientSideGenerated: facts.isClientSideGenerated,
    established: new Date(facts.established).toISOString(),
    expires: new Date(facts.expires).toISOString(),
  };
}
