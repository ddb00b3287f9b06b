// Configuration of the local operator: the participants, credentials, keys and salts it serves, in the
// snake_case shape of the operator's own data files. local-config.json is the shipped default.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fromBase64 } from '../../libraries/uid2/crypto/base64.js';
import type { IdentityScope } from '../../libraries/uid2/receiver/keys.js';

/** the shipped local-config.json, next to the sources (the Node build does not copy JSON) */
export const LOCAL_OPERATOR_CONFIG = fileURLToPath(new URL('../../../../devstack/operator/local-config.json', import.meta.url));

export type Role = 'GENERATOR' | 'MAPPER' | 'ID_READER' | 'SHARER';
/** Participant types, the unit a later sharing-permission grant can address besides single sites */
export type ParticipantType = 'PUBLISHER' | 'ADVERTISER' | 'DSP' | 'DATA_PROVIDER';

export interface SiteConfig {
  id: number;
  name: string;
  types: ParticipantType[];
  /** registrable domains allowed to call CSTG for this site, and site_data for receivers */
  domain_names: string[];
  app_names: string[];
}

export interface ClientConfig {
  name: string;
  /** API key, sent as `Authorization: Bearer <key>` */
  key: string;
  /** base64 32-byte client secret of the v2 envelopes */
  secret: string;
  site_id: number;
  roles: Role[];
  disabled: boolean;
}

export interface ClientSideKeypairConfig {
  subscription_id: string;
  site_id: number;
  /** `UID2-X-<env>-<SPKI>`, what the publisher puts in its page */
  public_key: string;
  /** `UID2-Y-<env>-<PKCS#8>` */
  private_key: string;
  disabled: boolean;
}

/**
 * A keyset belongs to one site. The operator's own ones are recognised by their site id: master (-1),
 * refresh (-2) and the fallback publisher keyset (site 2) used for publishers without a keyset of their own.
 *
 * Sharing permissions are the keyset's ACL, as in the UID2 admin's keysets: the owner always reads its
 * keyset; `allowed_sites` and `allowed_types` name the other participants that may decrypt its tokens.
 * `allowed_sites: null` (the field absent, no ACL) is the operator's "missing ACL": ID_READERs read it,
 * sharers do not.
 */
export interface KeysetConfig {
  keyset_id: number;
  site_id: number;
  name: string;
  allowed_sites: number[] | null;
  /** every site of these types may read the keyset (the Portal's "all DSPs"); only with an ACL */
  allowed_types: ParticipantType[];
}

export interface KeyConfig {
  id: number;
  keyset_id: number;
  /** epoch seconds */
  created: number;
  activates: number;
  expires: number;
  secret: string;
}

export interface Lifetimes {
  identity_token_expires_after_seconds: number;
  refresh_identity_token_after_seconds: number;
  refresh_token_expires_after_seconds: number;
  sharing_token_expiry_seconds: number;
  allow_clock_skew_seconds: number;
}

export interface KeyRotation {
  /** a new key per keyset every period, published one period before it activates */
  rotation_seconds: number;
  /** how long a key stays decryptable after it activates */
  key_expires_after_seconds: number;
}

export interface SaltEntryConfig {
  id: number;
  bucket_id: string;
  salt: string;
  /** ms epoch of the bucket's last rotation (default: the rotation ticks just before the operator starts) */
  last_updated?: number;
  /** ms epoch from which it may rotate again (default: the next refresh period after last_updated) */
  refresh_from?: number;
  /** the salt before last_updated, for identity map v3's previous raw UID2 */
  previous_salt?: string;
}

export interface SaltsConfig {
  first_level: string;
  rotating: SaltEntryConfig[];
}

/** How salt buckets rotate (uid2-admin's salt rotation job, run every tick). */
export interface SaltRotationConfig {
  /** the rotation job's period: a day in production */
  rotation_seconds: number;
  /** a bucket may rotate again this long after its last rotation: 30 days in production */
  refresh_seconds: number;
  /** share of all buckets a tick may rotate, among those due: about 1/365 in production (each bucket yearly) */
  fraction: number;
}

/** One opted-out identity, in any of the four DII forms */
export type OptOutConfig = { email: string } | { phone: string } | { email_hash: string } | { phone_hash: string };

export interface OperatorConfig {
  identity_scope: IdentityScope;
  /** the vendor whose TCF consent an EUID operator requires on /v2/token/generate (operator default 21) */
  tcf_vendor_id: number;
  lifetimes: Lifetimes;
  key_rotation: KeyRotation;
  salts: SaltsConfig;
  salt_rotation: SaltRotationConfig;
  sites: SiteConfig[];
  clients: ClientConfig[];
  client_side_keypairs: ClientSideKeypairConfig[];
  keysets: KeysetConfig[];
  keys: KeyConfig[];
  opt_outs: OptOutConfig[];
}

/** The Trade Desk in the Global Vendor List: the operator's tcf_vendor_id default */
export const DEFAULT_TCF_VENDOR_ID = 21;

export const MASTER_SITE_ID = -1;
export const REFRESH_SITE_ID = -2;
export const FALLBACK_PUBLISHER_SITE_ID = 2;

/** The operator's local runtime defaults (the docs' sample identity has exactly these offsets). */
export const LOCAL_LIFETIMES: Lifetimes = {
  identity_token_expires_after_seconds: 3600,
  refresh_identity_token_after_seconds: 900,
  refresh_token_expires_after_seconds: 86400,
  sharing_token_expiry_seconds: 2592000,
  allow_clock_skew_seconds: 1800,
};

export const LOCAL_SALT_ROTATION: SaltRotationConfig = { rotation_seconds: 86400, refresh_seconds: 30 * 86400, fraction: 1 / 365 };

export const LOCAL_KEY_ROTATION: KeyRotation = { rotation_seconds: 86400, key_expires_after_seconds: 86400 + 2592000 + 86400 };

/** `--lifetimes demo`: every phase of an identity's life within a few minutes, keys rotating every minute. */
export const DEMO_PROFILE = {
  lifetimes: {
    identity_token_expires_after_seconds: 60,
    refresh_identity_token_after_seconds: 15,
    refresh_token_expires_after_seconds: 300,
    sharing_token_expiry_seconds: 600,
    allow_clock_skew_seconds: 1800,
  } satisfies Lifetimes,
  key_rotation: { rotation_seconds: 60, key_expires_after_seconds: 900 } satisfies KeyRotation,
  /** a salt rotation every 2 minutes, each of the two local buckets every 4 */
  salt_rotation: { rotation_seconds: 120, refresh_seconds: 120, fraction: 0.5 } satisfies SaltRotationConfig,
};

const ROLES: readonly Role[] = ['GENERATOR', 'MAPPER', 'ID_READER', 'SHARER'];
export const PARTICIPANT_TYPES: readonly ParticipantType[] = ['PUBLISHER', 'ADVERTISER', 'DSP', 'DATA_PROVIDER'];

/** Validates one value at a config path; failures name the path. */
class ConfigReader {
  constructor(private readonly path: string) {}

  fail(message: string): never {
    throw new Error(`operator config ${this.path}: ${message}`);
  }

  at(name: string | number): ConfigReader {
    return new ConfigReader(typeof name === 'number' ? `${this.path}[${name}]` : `${this.path}.${name}`);
  }

  object(value: unknown): ObjectReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail('expected an object');
    return new ObjectReader(this, value as Record<string, unknown>);
  }

  integer(value: unknown): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail('expected an integer');
    return value;
  }

  positive(value: unknown): number {
    const n = this.integer(value);
    if (n <= 0) this.fail('expected a positive integer');
    return n;
  }

  string(value: unknown): string {
    if (typeof value !== 'string' || value === '') this.fail('expected a non-empty string');
    return value;
  }

  secret(value: unknown): string {
    const s = this.string(value);
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(s);
    } catch {
      this.fail('expected base64');
    }
    if (bytes.length !== 32) this.fail('expected 32 bytes of base64');
    return s;
  }

  oneOf<T extends string>(value: unknown, allowed: readonly T[]): T {
    const s = this.string(value).toUpperCase();
    if (!allowed.includes(s as T)) this.fail(`expected one of ${allowed.join(', ')}`);
    return s as T;
  }

  /** absent → [] */
  array<T>(value: unknown, item: (reader: ConfigReader, value: unknown) => T): T[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) this.fail('expected an array');
    return value.map((v, i) => item(this.at(i), v));
  }
}

/** Reads the fields of one config object. */
class ObjectReader {
  constructor(
    readonly reader: ConfigReader,
    readonly values: Record<string, unknown>,
  ) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  integer(name: string): number {
    return this.reader.at(name).integer(this.values[name]);
  }

  positive(name: string): number {
    return this.reader.at(name).positive(this.values[name]);
  }

  string(name: string): string {
    return this.reader.at(name).string(this.values[name]);
  }

  secret(name: string): string {
    return this.reader.at(name).secret(this.values[name]);
  }

  array<T>(name: string, item: (reader: ConfigReader, value: unknown) => T): T[] {
    return this.reader.at(name).array(this.values[name], item);
  }

  object(name: string): ObjectReader {
    return this.reader.at(name).object(this.values[name] ?? {});
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** Reads several scalar fields at once, each by its kind. */
  fields<S extends Record<string, FieldKind>>(schema: S): { [K in keyof S]: FieldValue<S[K]> } {
    const read = {} as Record<string, unknown>;
    for (const [name, kind] of Object.entries(schema)) read[name] = this[kind](name);
    return read as { [K in keyof S]: FieldValue<S[K]> };
  }
}

type FieldKind = 'integer' | 'positive' | 'string' | 'secret' | 'flag';
type FieldValue<K extends FieldKind> = K extends 'flag' ? boolean : K extends 'integer' | 'positive' ? number : string;

function parseSite(r: ConfigReader, value: unknown): SiteConfig {
  const o = r.object(value);
  return {
    id: o.integer('id'),
    name: o.string('name'),
    types: o.array('types', (t, x) => t.oneOf(x, PARTICIPANT_TYPES)),
    domain_names: o.array('domain_names', (d, x) => d.string(x).toLowerCase()),
    // the operator compares app names case-insensitively, as domains
    app_names: o.array('app_names', (a, x) => a.string(x).toLowerCase()),
  };
}

function parseClient(r: ConfigReader, value: unknown): ClientConfig {
  const o = r.object(value);
  return {
    ...o.fields({ name: 'string', key: 'string', secret: 'secret', site_id: 'integer' }),
    roles: o.array('roles', (x, role) => x.oneOf(role, ROLES)),
    disabled: o.flag('disabled'),
  };
}

function parseKeypair(r: ConfigReader, value: unknown): ClientSideKeypairConfig {
  return r.object(value).fields({ subscription_id: 'string', site_id: 'integer', public_key: 'string', private_key: 'string', disabled: 'flag' });
}

/** A keyset's ACL: either field present makes one (the other defaults to empty); neither leaves it without. */
function parseKeyset(r: ConfigReader, value: unknown): KeysetConfig {
  const o = r.object(value);
  const hasAcl = o.has('allowed_sites') || o.has('allowed_types');
  return {
    ...o.fields({ keyset_id: 'integer', site_id: 'integer', name: 'string' }),
    allowed_sites: hasAcl ? [...new Set(o.array('allowed_sites', (x, site) => x.integer(site)))] : null,
    allowed_types: [...new Set(o.array('allowed_types', (x, type) => x.oneOf(type, PARTICIPANT_TYPES)))],
  };
}

function parseKey(r: ConfigReader, value: unknown): KeyConfig {
  return r.object(value).fields({ id: 'integer', keyset_id: 'integer', created: 'integer', activates: 'integer', expires: 'integer', secret: 'secret' });
}

function parseOptOut(r: ConfigReader, value: unknown): OptOutConfig {
  const o = r.object(value);
  const forms = (['email', 'phone', 'email_hash', 'phone_hash'] as const).filter((k) => o.has(k));
  if (forms.length !== 1) r.fail('expected exactly one of email, phone, email_hash, phone_hash');
  return { [forms[0]!]: o.string(forms[0]!) } as OptOutConfig;
}

/** `defaults`, with each field the config gives replaced by its (positive) value */
function positiveFields<T extends { [K in keyof T]: number }>(o: ObjectReader, defaults: T): T {
  const fields = { ...defaults };
  for (const name of Object.keys(defaults) as Array<keyof T & string>) {
    if (o.has(name)) fields[name] = o.positive(name) as T[keyof T & string];
  }
  return fields;
}

function parseLifetimes(o: ObjectReader): Lifetimes {
  const lifetimes = positiveFields(o, LOCAL_LIFETIMES);
  if (
    lifetimes.refresh_identity_token_after_seconds > lifetimes.identity_token_expires_after_seconds ||
    lifetimes.identity_token_expires_after_seconds > lifetimes.refresh_token_expires_after_seconds
  ) {
    o.reader.fail('refresh_from <= identity_expires <= refresh_expires must hold');
  }
  return lifetimes;
}

function parseKeyRotation(o: ObjectReader): KeyRotation {
  return positiveFields(o, LOCAL_KEY_ROTATION);
}

function parseSaltEntry(r: ConfigReader, value: unknown): SaltEntryConfig {
  const entry = r.object(value);
  return {
    ...entry.fields({ id: 'integer', bucket_id: 'string', salt: 'string' }),
    ...(entry.has('last_updated') ? { last_updated: entry.positive('last_updated') } : {}),
    ...(entry.has('refresh_from') ? { refresh_from: entry.positive('refresh_from') } : {}),
    ...(entry.has('previous_salt') ? { previous_salt: entry.string('previous_salt') } : {}),
  };
}

function parseSalts(o: ObjectReader): SaltsConfig {
  const rotating = o.array('rotating', parseSaltEntry);
  if (rotating.length === 0) o.reader.fail('rotating: at least one salt is needed');
  if (new Set(rotating.map((entry) => entry.bucket_id)).size !== rotating.length) o.reader.fail('rotating: duplicate bucket_id');
  return { first_level: o.string('first_level'), rotating };
}

function parseSaltRotation(o: ObjectReader): SaltRotationConfig {
  const { rotation_seconds, refresh_seconds, fraction: defaultFraction } = LOCAL_SALT_ROTATION;
  const rotation = { ...positiveFields(o, { rotation_seconds, refresh_seconds }), fraction: defaultFraction };
  const fraction = o.values.fraction;
  if (fraction !== undefined) {
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) return o.reader.at('fraction').fail('expected a number in (0, 1]');
    rotation.fraction = fraction;
  }
  if (rotation.refresh_seconds < rotation.rotation_seconds) o.reader.fail('refresh_seconds must be at least rotation_seconds');
  return rotation;
}

/** Grants name known sites, and only participants' keysets have them (the master keyset is everyone's, the refresh keyset no one's). */
function checkKeysetAcl(r: ConfigReader, keyset: KeysetConfig, siteIds: Set<number>): void {
  const at = `keysets: keyset ${keyset.keyset_id}`;
  if (keyset.allowed_sites === null) return;
  if (keyset.site_id === MASTER_SITE_ID || keyset.site_id === REFRESH_SITE_ID) {
    r.fail(`${at} is the operator's ${keyset.site_id === MASTER_SITE_ID ? 'master' : 'refresh'} keyset and takes no allowed_sites or allowed_types`);
  }
  for (const site of keyset.allowed_sites) if (!siteIds.has(site)) r.fail(`${at} allows unknown site ${site}`);
}

/** Cross-references a parsed config must satisfy for the operator to work at all. */
function checkConsistency(r: ConfigReader, config: OperatorConfig): void {
  const siteIds = new Set(config.sites.map((s) => s.id));
  const keysetIds = new Set(config.keysets.map((k) => k.keyset_id));
  for (const required of [MASTER_SITE_ID, REFRESH_SITE_ID, FALLBACK_PUBLISHER_SITE_ID]) {
    if (!config.keysets.some((k) => k.site_id === required)) r.fail(`keysets: a keyset of site ${required} is required`);
  }
  const ownerCounts = new Map<number, number>();
  for (const keyset of config.keysets) ownerCounts.set(keyset.site_id, (ownerCounts.get(keyset.site_id) ?? 0) + 1);
  for (const [site, count] of ownerCounts) if (count > 1) r.fail(`keysets: site ${site} has ${count} keysets, one is supported`);
  for (const keyset of config.keysets) checkKeysetAcl(r, keyset, siteIds);
  for (const key of config.keys) if (!keysetIds.has(key.keyset_id)) r.fail(`keys: key ${key.id} names unknown keyset ${key.keyset_id}`);
  if (new Set(config.keys.map((k) => k.id)).size !== config.keys.length) r.fail('keys: duplicate key id');
  for (const client of config.clients) if (!siteIds.has(client.site_id)) r.fail(`clients: ${client.name} names unknown site ${client.site_id}`);
  if (new Set(config.clients.map((c) => c.key)).size !== config.clients.length) r.fail('clients: duplicate API key');
  for (const pair of config.client_side_keypairs) {
    if (!siteIds.has(pair.site_id)) r.fail(`client_side_keypairs: ${pair.subscription_id} names unknown site ${pair.site_id}`);
  }
  const { lifetimes, key_rotation: rotation } = config;
  const longestTokenSeconds = Math.max(lifetimes.refresh_token_expires_after_seconds, lifetimes.sharing_token_expiry_seconds);
  if (rotation.key_expires_after_seconds < rotation.rotation_seconds + longestTokenSeconds) {
    r.fail('key_rotation.key_expires_after_seconds must cover rotation_seconds plus the longest token lifetime');
  }
}

/** Validates a config object (e.g. parsed local-config.json); throws naming the offending field. */
export function parseOperatorConfig(value: unknown, source = 'config'): OperatorConfig {
  const r = new ConfigReader(source);
  const o = r.object(value);
  const scope = o.values.identity_scope ?? 'UID2';
  if (scope !== 'UID2' && scope !== 'EUID') return r.at('identity_scope').fail('expected UID2 or EUID');
  const config: OperatorConfig = {
    identity_scope: scope,
    tcf_vendor_id: o.has('tcf_vendor_id') ? o.positive('tcf_vendor_id') : DEFAULT_TCF_VENDOR_ID,
    lifetimes: parseLifetimes(o.object('lifetimes')),
    key_rotation: parseKeyRotation(o.object('key_rotation')),
    salts: parseSalts(o.object('salts')),
    salt_rotation: parseSaltRotation(o.object('salt_rotation')),
    sites: o.array('sites', parseSite),
    clients: o.array('clients', parseClient),
    client_side_keypairs: o.array('client_side_keypairs', parseKeypair),
    keysets: o.array('keysets', parseKeyset),
    keys: o.array('keys', parseKey),
    opt_outs: o.array('opt_outs', parseOptOut),
  };
  checkConsistency(r, config);
  return config;
}

/** The lifetimes a local operator runs with: its file's own ('local'), the demo profile ('demo'), or demo with some replaced. */
export type LifetimesChoice = 'local' | 'demo' | Partial<Lifetimes>;

/**
 * The one reader of an operator config file (local-config.json or `--config FILE`): parsed and validated, with the
 * chosen lifetimes. Lifetimes given in part go over the demo's and are validated like the file's own; the key and
 * salt rotation stay the file's, so a reader keeps one raw UID2 however long a run of short-lived tokens takes (the
 * demo's rotation ticks every 2 minutes and changes half the readers' raw UID2s).
 */
export async function loadOperatorConfig(path: string, lifetimes: LifetimesChoice = 'local'): Promise<OperatorConfig> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (lifetimes === 'local') return parseOperatorConfig(raw, path);
  if (lifetimes === 'demo') return withDemoLifetimes(parseOperatorConfig(raw, path));
  return parseOperatorConfig({ ...(raw as object), lifetimes: { ...DEMO_PROFILE.lifetimes, ...lifetimes } }, path);
}

/** The config with the demo lifetimes, key rotation and salt rotation (`--lifetimes demo`). */
export function withDemoLifetimes(config: OperatorConfig): OperatorConfig {
  return { ...config, lifetimes: DEMO_PROFILE.lifetimes, key_rotation: DEMO_PROFILE.key_rotation, salt_rotation: DEMO_PROFILE.salt_rotation };
}
