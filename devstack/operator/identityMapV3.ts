// POST /v3/identity/map (UIDOperatorVerticle.handleIdentityMapV3): any mix of the four DII arrays in one
// request; the answer has all four groups, each in request order, every entry either
// {"u": current raw UID2, "p": previous raw UID2 or null, "r": re-map from (epoch seconds)} or {"e": reason}.
import { toBase64 } from '../../libraries/uid2/crypto/base64.js';
import { clientError } from '../../libraries/uid2/receiver/operatorError.js';
import type { EnvelopedRequest, OperatorState } from './endpoints.js';
import { DII_KINDS, parseDii, type DiiKind } from './identities.js';

export const MISSING_MIXED_DII_MESSAGE = 'Required Parameter Missing: one or more of [email, email_hash, phone, phone_hash] must be specified';

/**
 * The order the operator writes the groups in: its answer is a Java HashMap, iterated in hash order. Clients
 * read the groups by name; the order only matters to whoever compares answers byte for byte.
 */
const ANSWER_ORDER: readonly DiiKind[] = ['email_hash', 'phone', 'phone_hash', 'email'];

type MappedEntry = { u: string; p: string | null; r: number } | { e: 'optout' | 'invalid identifier' };

/**
 * The request's groups, as the operator's Jackson binding reads them: only the four names; each absent, null or an
 * array whose items are strings (numbers and booleans become strings, as Jackson coerces them: never a valid
 * identifier). Anything else is "Incorrect request format", here with the field named.
 */
function readGroups(json: Record<string, unknown>): Map<DiiKind, unknown[]> {
  const groups = new Map<DiiKind, unknown[]>(DII_KINDS.map((kind) => [kind, []]));
  for (const [name, value] of Object.entries(json)) {
    if (!(DII_KINDS as readonly string[]).includes(name)) throw clientError(`Incorrect request format: unknown field ${name}`);
    if (value === null) continue;
    if (!Array.isArray(value)) throw clientError(`Incorrect request format: ${name} must be an array`);
    const badItem = value.findIndex((item) => item === null || typeof item === 'object');
    if (badItem >= 0) throw clientError(`Incorrect request format: ${name}[${badItem}] must be a string`);
    groups.set(name as DiiKind, value);
  }
  return groups;
}

async function mapOne(state: OperatorState, kind: DiiKind, value: unknown, now: number): Promise<MappedEntry> {
  const user = await parseDii(kind, value);
  if (!user) return { e: 'invalid identifier' };
  const flh = await state.identities.firstLevelHash(user);
  if (state.identities.isOptedOut(flh)) return { e: 'optout' };
  const { rawUid, previousRawUid, refreshFrom } = await state.identities.mapping(flh, now);
  return { u: toBase64(rawUid), p: previousRawUid && toBase64(previousRawUid), r: Math.floor(refreshFrom / 1000) };
}

export async function mapIdentitiesV3(state: OperatorState, { json, now }: EnvelopedRequest): Promise<unknown> {
  if (Object.keys(json).length === 0) throw clientError(MISSING_MIXED_DII_MESSAGE);
  const groups = readGroups(json);
  const body: Record<string, MappedEntry[]> = {};
  for (const kind of ANSWER_ORDER) {
    const entries: MappedEntry[] = [];
    for (const value of groups.get(kind)!) entries.push(await mapOne(state, kind, value, now));
    body[kind] = entries;
  }
  return { body, status: 'success' };
}
