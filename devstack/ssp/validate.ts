// Checks an incoming OpenRTB bid request the way Prebid Server does (prebid-server endpoints/openrtb2
// validation): errors reject the request with 400, warnings are reported and the auction goes on. Invalid eids
// are warnings and are left out of what the SSP reads, as PBS does. Every field the SSP reads or echoes has its
// type checked before use (a wrong type is an error naming the field), and what one request may carry is
// bounded (./limits.ts).
import { MAX_IMPS, MessageList, shortened, tooDeepAt } from './limits.js';

/** An OpenRTB object as parsed from JSON; every field is checked before use. */
export type Json = Record<string, unknown>;

export interface Eid {
  source: string;
  uids: Array<{ id: string; atype?: number; ext?: unknown }>;
}

export type EidLocation = 'user.ext.eids' | 'user.eids' | 'both' | 'none';

export interface RequestCheck {
  /** at most MAX_LISTED_MESSAGES of each, then "…and N more" */
  errors: string[];
  warnings: string[];
  /** OpenRTB version the signals' locations suggest */
  ortbVersion: '2.5' | '2.6' | 'mixed';
  eidLocation: EidLocation;
  /** the well-formed eids, from user.eids when present (what a PBS-style server keeps), else user.ext.eids */
  eids: Eid[];
  /** request.cur allows US dollars, the only currency this SSP bids in */
  usdAllowed: boolean;
  /** regs.dsa.dsarequired (2.6) or regs.ext.dsa.dsarequired (2.5), 0 when absent */
  dsaRequired: number;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(parent: Json | undefined, key: string): Json | undefined {
  const value = parent?.[key];
  return isObject(value) ? value : undefined;
}

/** `a.b.c` of a parsed request, if every step is an object */
export function path(root: Json, dotted: string): unknown {
  const keys = dotted.split('.');
  const last = keys.pop()!;
  let node: Json | undefined = root;
  for (const key of keys) node = objectAt(node, key);
  return node?.[last];
}

function isPositive(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isNonNegativeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** An error naming `at` when `value` is present and not of the expected type. */
function expectType(value: unknown, ok: (value: unknown) => boolean, at: string, expected: string, errors: MessageList): void {
  if (value !== undefined && !ok(value)) errors.push(`${at} must be ${expected}`);
}

function checkBanner(banner: unknown, at: string, errors: MessageList): void {
  if (!isObject(banner)) return void errors.push(`${at}.banner must be an object`);
  const formats = banner.format;
  if (formats === undefined || (Array.isArray(formats) && formats.length === 0)) {
    if (!isPositive(banner.w) || !isPositive(banner.h)) errors.push(`${at}.banner has no sizes. Define "w" and "h", or include "format" elements`);
    return;
  }
  if (!Array.isArray(formats)) return void errors.push(`${at}.banner.format must be an array`);
  formats.forEach((format, j) => {
    const sized = isObject(format) && isPositive(format.w) && isPositive(format.h);
    const ratio = isObject(format) && isPositive(format.wratio) && isPositive(format.hratio);
    if (!sized && !ratio) errors.push(`${at}.banner.format[${j}] needs positive w and h, or wratio and hratio`);
  });
}

function checkMimes(media: unknown, kind: 'video' | 'audio', at: string, errors: MessageList): void {
  if (!isObject(media)) return void errors.push(`${at}.${kind} must be an object`);
  if (!Array.isArray(media.mimes) || media.mimes.length === 0) errors.push(`${at}.${kind}.mimes must contain at least one supported MIME type`);
  for (const side of ['w', 'h'] as const) expectType(media[side], isNonNegativeInteger, `${at}.${kind}.${side}`, 'a non-negative integer', errors);
}

/** imp.native.request decoded, unwrapped from native 1.0's {native: {...}}; undefined when not a string; throws on bad JSON. */
export function nativeRequestOf(native: Json): unknown {
  const request: unknown = typeof native.request === 'string' ? JSON.parse(native.request) : undefined;
  return isObject(request) && isObject(request.native) ? request.native : request;
}

function checkNative(native: unknown, at: string, errors: MessageList): void {
  if (!isObject(native)) return void errors.push(`${at}.native must be an object`);
  let body: unknown;
  try {
    body = nativeRequestOf(native);
  } catch {
    return void errors.push(`${at}.native.request is not valid JSON`);
  }
  if (!isObject(body)) return void errors.push(`${at}.native.request must be a JSON encoded string conforming to the native spec`);
  const deep = tooDeepAt(body, `${at}.native.request`);
  if (deep !== undefined) return void errors.push(`${deep} nests too deep`);
  if (!Array.isArray(body.assets) || body.assets.length === 0) {
    return void errors.push(`${at}.native.request.assets must be an array containing at least one object`);
  }
  body.assets.forEach((asset, k) => checkNativeAsset(asset, `${at}.native.request.assets[${k}]`, errors));
}

/** The fields of a native asset the SSP's answer reads: its id and image sizes. */
function checkNativeAsset(asset: unknown, at: string, errors: MessageList): void {
  if (!isObject(asset)) return void errors.push(`${at} must be an object`);
  if (!isNonNegativeInteger(asset.id)) errors.push(`${at}.id must be a non-negative integer`);
  if (asset.img === undefined) return;
  if (!isObject(asset.img)) return void errors.push(`${at}.img must be an object`);
  for (const side of ['w', 'h', 'wmin', 'hmin']) expectType(asset.img[side], isNonNegativeInteger, `${at}.img.${side}`, 'a non-negative integer', errors);
}

function checkImps(imps: unknown, errors: MessageList, warnings: MessageList): void {
  if (!Array.isArray(imps) || imps.length === 0) return void errors.push('request.imp must contain at least one element');
  if (imps.length > MAX_IMPS) return void errors.push(`request.imp has ${imps.length} elements; this SSP takes at most ${MAX_IMPS}`);
  const ids = new Set<string>();
  imps.forEach((imp, i) => {
    const at = `request.imp[${i}]`;
    if (!isObject(imp)) return void errors.push(`${at} must be an object`);
    if (!nonEmptyString(imp.id)) errors.push(`${at} missing required field: "id"`);
    else if (ids.has(imp.id)) errors.push(`${at}.id "${shortened(imp.id)}" is not unique`);
    else ids.add(imp.id);
    const formats = (['banner', 'video', 'audio', 'native'] as const).filter((f) => imp[f] !== undefined);
    if (formats.length === 0) errors.push(`${at} must contain at least one of "banner", "video", "audio", or "native"`);
    if (imp.banner !== undefined) checkBanner(imp.banner, at, errors);
    if (imp.video !== undefined) checkMimes(imp.video, 'video', at, errors);
    if (imp.audio !== undefined) checkMimes(imp.audio, 'audio', at, errors);
    if (imp.native !== undefined) checkNative(imp.native, at, errors);
    if (imp.bidfloor !== undefined && (typeof imp.bidfloor !== 'number' || imp.bidfloor < 0)) errors.push(`${at}.bidfloor must be a non-negative number`);
    expectType(imp.tagid, isString, `${at}.tagid`, 'a string', errors);
    if (imp.bidfloorcur !== undefined && !isString(imp.bidfloorcur)) errors.push(`${at}.bidfloorcur must be a string`);
    else if (imp.bidfloorcur !== undefined && imp.bidfloorcur !== 'USD') warnings.push(`${at}.bidfloorcur is ${shortened(imp.bidfloorcur)}; this SSP reads floors in USD only`);
  });
}

function checkClient(request: Json, errors: MessageList): void {
  const clients = (['site', 'app', 'dooh'] as const).filter((c) => request[c] !== undefined);
  if (clients.length !== 1) return void errors.push('exactly one of request.site, request.app or request.dooh must be defined');
  const site = request.site;
  if (site !== undefined && (!isObject(site) || (!nonEmptyString(site.id) && !nonEmptyString(site.page)))) {
    errors.push('request.site should include at least one of request.site.id or request.site.page');
  }
}

function checkRegs(request: Json, errors: MessageList): void {
  for (const at of ['regs.gdpr', 'regs.ext.gdpr']) {
    const gdpr = path(request, at);
    if (gdpr !== undefined && gdpr !== 0 && gdpr !== 1) errors.push(`request.${at} must be either 0 or 1`);
  }
  const coppa = path(request, 'regs.coppa');
  if (coppa !== undefined && coppa !== 0 && coppa !== 1) errors.push('request.regs.coppa must be either 0 or 1');
  for (const at of ['regs.dsa.dsarequired', 'regs.ext.dsa.dsarequired']) {
    expectType(path(request, at), isNonNegativeInteger, `request.${at}`, 'a non-negative integer', errors);
  }
  for (const at of ['regs.us_privacy', 'regs.ext.us_privacy', 'regs.gpp', 'regs.ext.gpp', 'user.consent', 'user.ext.consent']) {
    expectType(path(request, at), isString, `request.${at}`, 'a string', errors);
  }
  expectType(path(request, 'regs.ext.gpc'), (v) => isString(v) || typeof v === 'number', 'request.regs.ext.gpc', 'a string or a number', errors);
}

function dsaRequiredOf(request: Json): number {
  const value = path(request, 'regs.dsa.dsarequired') ?? path(request, 'regs.ext.dsa.dsarequired');
  return isNonNegativeInteger(value) ? value : 0;
}

/** source.schain (2.6), else source.ext.schain (2.5) */
export function schainOf(request: Json): unknown {
  return path(request, 'source.schain') ?? path(request, 'source.ext.schain');
}

function checkSchain(request: Json, warnings: MessageList): void {
  const both = path(request, 'source.schain') !== undefined && path(request, 'source.ext.schain') !== undefined;
  if (both) warnings.push('schain is in both source.schain and source.ext.schain');
  const schain = schainOf(request);
  if (schain === undefined) return;
  if (!isObject(schain)) return void warnings.push('schain must be an object');
  if (!nonEmptyString(schain.ver)) warnings.push('schain.ver is required');
  if (schain.complete !== 0 && schain.complete !== 1) warnings.push('schain.complete must be 0 or 1');
  if (!Array.isArray(schain.nodes)) return void warnings.push('schain.nodes must be an array');
  schain.nodes.forEach((node, i) => {
    if (!isObject(node) || !nonEmptyString(node.asi) || !nonEmptyString(node.sid) || (node.hp !== undefined && node.hp !== 1 && node.hp !== 0)) {
      warnings.push(`schain.nodes[${i}] needs asi, sid and hp 0 or 1`);
    }
  });
}

/** Keeps the well-formed eids of one location; each dropped eid or uid is a warning, as in PBS validateEIDs. */
function wellFormedEids(value: unknown, at: string, errors: MessageList, warnings: MessageList): Eid[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    warnings.push(`${at} must be an array; ignored`);
    return [];
  }
  return value.flatMap((eid, i) => {
    if (!isObject(eid) || !nonEmptyString(eid.source)) {
      warnings.push(`${at}[${i}] has no source; dropped`);
      return [];
    }
    const source = shortened(eid.source);
    const uids = (Array.isArray(eid.uids) ? eid.uids : []).filter((uid, j) => {
      const ok = isObject(uid) && nonEmptyString(uid.id);
      if (!ok) warnings.push(`${at}[${i}].uids[${j}] (${source}) has no id; dropped`);
      else expectType(uid.atype, isNonNegativeInteger, `${at}[${i}].uids[${j}].atype`, 'a non-negative integer', errors);
      return ok;
    });
    if (uids.length === 0) {
      warnings.push(`${at}[${i}] (${source}) has no uids; dropped`);
      return [];
    }
    return [{ ...eid, uids } as Eid];
  });
}

/** Which OpenRTB version's locations the consent, schain and eid signals use. */
function signalVersion(request: Json): RequestCheck['ortbVersion'] {
  const v26 = ['regs.gdpr', 'regs.us_privacy', 'user.consent', 'user.eids', 'source.schain'].some((p) => path(request, p) !== undefined);
  const v25 = ['regs.ext.gdpr', 'regs.ext.us_privacy', 'user.ext.consent', 'user.ext.eids', 'source.ext.schain'].some((p) => path(request, p) !== undefined);
  return v26 && v25 ? 'mixed' : v26 ? '2.6' : '2.5';
}

export function checkBidRequest(body: unknown): RequestCheck {
  const errors = new MessageList();
  const warnings = new MessageList();
  const refused = (message: string): RequestCheck => ({
    errors: [message], warnings: [], ortbVersion: '2.5', eidLocation: 'none', eids: [], usdAllowed: false, dsaRequired: 0,
  });
  if (!isObject(body)) return refused('request must be a JSON object');
  // before any field is read: nothing below recurses into a value without this bound
  const deep = tooDeepAt(body, 'request');
  if (deep !== undefined) return refused(`${deep} nests too deep`);
  if (!nonEmptyString(body.id)) errors.push('request missing required field: "id"');
  if (body.tmax !== undefined && (typeof body.tmax !== 'number' || !Number.isInteger(body.tmax) || body.tmax < 0)) errors.push('request.tmax must be a non-negative integer');
  const curIsList = body.cur === undefined || (Array.isArray(body.cur) && body.cur.every(isString));
  if (!curIsList) errors.push('request.cur must be an array of strings');
  checkImps(body.imp, errors, warnings);
  checkClient(body, errors);
  checkRegs(body, errors);
  checkSchain(body, warnings);

  const ortbVersion = signalVersion(body);
  if (ortbVersion === 'mixed') warnings.push('request mixes OpenRTB 2.5 ext locations and 2.6 locations');
  const extEids = wellFormedEids(path(body, 'user.ext.eids'), 'user.ext.eids', errors, warnings);
  const eids26 = wellFormedEids(path(body, 'user.eids'), 'user.eids', errors, warnings);
  const hasExt = path(body, 'user.ext.eids') !== undefined;
  const has26 = path(body, 'user.eids') !== undefined;
  const eidLocation: EidLocation = hasExt && has26 ? 'both' : has26 ? 'user.eids' : hasExt ? 'user.ext.eids' : 'none';
  if (eidLocation === 'both') warnings.push('eids are in both user.eids and user.ext.eids; a Prebid Server-style SSP keeps user.eids and drops user.ext.eids');
  const eids = has26 ? eids26 : extEids;

  const currencies = curIsList ? ((body.cur ?? []) as string[]) : [];
  const usdAllowed = currencies.length === 0 || currencies.includes('USD');
  if (!usdAllowed) warnings.push(`request.cur ${shortened(currencies.join(','))} does not allow USD, the only currency this SSP bids in`);
  return { errors: errors.toArray(), warnings: warnings.toArray(), ortbVersion, eidLocation, eids, usdAllowed, dsaRequired: dsaRequiredOf(body) };
}
