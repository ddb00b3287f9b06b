// The mock SSP's demand: one bid per imp in the format that pays most, priced deterministically above the
// floor, with banner HTML, VAST or native markup that shows what the SSP saw (never an identifier).
import { escapeHtml } from '../http.js';
import { isObject, nativeRequestOf, path, type Json } from './validate.js';
import type { Uid2Report } from './uid2.js';

export const SEAT = 'mock-dsp';
const ADVERTISER_DOMAIN = 'advertiser.example';
/** Base prices in USD; a bid goes 20 % over a higher floor, up to MAX_PRICE. */
export const BASE_PRICE = { banner: 1.5, video: 4, native: 2 } as const;
export const MAX_PRICE = 50;
/** ORTB 2.6 mtype of each format */
const MTYPE = { banner: 1, video: 2, native: 4 } as const;

type Format = keyof typeof BASE_PRICE;

export interface OrtbBid {
  id: string;
  impid: string;
  price: number;
  crid: string;
  mtype: number;
  adm: string;
  adomain: string[];
  cat: string[];
  exp: number;
  burl: string;
  nurl?: string;
  w?: number;
  h?: number;
  dealid?: string;
  ext?: Json;
}

function round(price: number): number {
  return Math.round(price * 100) / 100;
}

/** A size the request gave as a positive number, else the default (a format may give a ratio instead). */
function sizeOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && value > 0 ? value : fallback;
}

function bannerSize(banner: Json): [number, number] {
  const format = Array.isArray(banner.format) && isObject(banner.format[0]) ? banner.format[0] : banner;
  return [sizeOr(format.w, 300), sizeOr(format.h, 250)];
}


function uid2Line(uid2: Uid2Report): string {
  if (!uid2.present) return 'UID2: none';
  if (!uid2.decrypted) {
    // a token that opened but was refused (expired, opted out, another domain) says whose it is and when it expires
    const facts = uid2.siteId === undefined ? '' : `, site ${uid2.siteId}, expires ${uid2.expires}`;
    return `UID2: present, not decrypted (${uid2.status}${facts})`;
  }
  return `UID2: decrypted, site ${uid2.siteId}, ${uid2.identityType}, established ${uid2.established}, #${uid2.fingerprint}`;
}

function bannerAdm(w: number, h: number, uid2: Uid2Report): string {
  // ${AUCTION_PRICE} is filled in by Prebid when it renders the ad
  return `<div style="box-sizing:border-box;width:${w}px;height:${h}px;border:1px solid #888;font:12px sans-serif;padding:8px;background:#f4f7fb">` +
    `<b>openrtbSsp mock ad</b> ${w}&times;${h}<br>Price: \${AUCTION_PRICE} USD<br>${escapeHtml(uid2Line(uid2))}</div>`;
}

function videoAdm(id: string, baseUrl: string, uid2: Uid2Report): string {
  return `<?xml version="1.0" encoding="UTF-8"?><VAST version="4.0"><Ad id="${escapeHtml(id)}"><InLine>` +
    `<AdSystem>openrtbSsp mock</AdSystem><AdTitle>${escapeHtml(uid2Line(uid2))}</AdTitle>` +
    `<Impression><![CDATA[${baseUrl}/event?type=vast-impression&bid=${encodeURIComponent(id)}]]></Impression>` +
    `<Creatives><Creative><Linear><Duration>00:00:15</Duration><MediaFiles>` +
    `<MediaFile delivery="progressive" type="video/mp4" width="640" height="360"><![CDATA[${baseUrl}/creative/mock.mp4]]></MediaFile>` +
    `</MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>`;
}

/** Native markup answering each requested asset (native 1.2). */
function nativeAdm(native: Json, baseUrl: string, uid2: Uid2Report): string {
  // validated before bidding: a JSON string with assets
  const request = nativeRequestOf(native) as Json;
  const assets = (request.assets as Json[]).flatMap((asset): Json[] => {
    if (isObject(asset.title)) return [{ id: asset.id, title: { text: 'openrtbSsp mock native ad' } }];
    if (isObject(asset.img)) {
      const w = sizeOr(asset.img.w ?? asset.img.wmin, 300);
      const h = sizeOr(asset.img.h ?? asset.img.hmin, 250);
      return [{ id: asset.id, img: { url: `${baseUrl}/creative/mock-${w}x${h}.png`, w, h } }];
    }
    if (isObject(asset.data)) return [{ id: asset.id, data: { value: asset.data.type === 1 ? 'openrtbSsp' : uid2Line(uid2) } }];
    return [];
  });
  return JSON.stringify({
    ver: '1.2',
    assets,
    link: { url: `https://${ADVERTISER_DOMAIN}/` },
    eventtrackers: [{ event: 1, method: 1, url: `${baseUrl}/event?type=native-impression` }],
  });
}

/** Formats of the imp this SSP can fill, most valuable first. */
function formatsOf(imp: Json): Format[] {
  return (['video', 'native', 'banner'] as const).filter((f) => isObject(imp[f]));
}

export interface DemandContext {
  /** the SSP's own base URL, for trackers and creatives */
  baseUrl: string;
  /** request.test == 1: always bid */
  test: boolean;
  uid2: Uid2Report;
  /** DSA transparency is required (regs.ext.dsa.dsarequired >= 2) */
  dsaRequired: boolean;
}

/** The bid for one imp, or undefined for no bid (tagid "nobid…", or a floor out of reach, unless testing). */
export function bidFor(imp: Json, ctx: DemandContext): OrtbBid | undefined {
  const format = formatsOf(imp)[0];
  if (!format) return undefined;
  if (!ctx.test && typeof imp.tagid === 'string' && imp.tagid.startsWith('nobid')) return undefined;
  const floorInUsd = imp.bidfloorcur === undefined || imp.bidfloorcur === 'USD';
  const floor = floorInUsd && typeof imp.bidfloor === 'number' ? imp.bidfloor : 0;
  const deal = Array.isArray(path(imp, 'pmp.deals')) ? (path(imp, 'pmp.deals') as unknown[]).find(isObject) : undefined;
  const dealFloor = typeof deal?.bidfloor === 'number' ? deal.bidfloor : 0;
  const wanted = Math.max(floor, dealFloor);
  const price = round(wanted > BASE_PRICE[format] ? wanted * 1.2 : BASE_PRICE[format]);
  if (price > MAX_PRICE && !ctx.test) return undefined;
  const id = `${String(imp.id)}-${format}`;
  const events = `${ctx.baseUrl}/event?bid=${encodeURIComponent(id)}&price=\${AUCTION_PRICE}`;
  const bid: OrtbBid = {
    id,
    impid: String(imp.id),
    price,
    crid: `mock-${format}`,
    mtype: MTYPE[format],
    adm: '',
    adomain: [ADVERTISER_DOMAIN],
    cat: ['IAB19'],
    exp: 300,
    burl: `${events}&type=billing`,
  };
  if (typeof deal?.id === 'string') bid.dealid = deal.id;
  if (ctx.dsaRequired) bid.ext = { dsa: { behalf: 'Mock Advertiser', paid: 'Mock Advertiser', adrender: 0 } };
  if (format === 'banner') {
    [bid.w, bid.h] = bannerSize(imp.banner as Json);
    bid.adm = bannerAdm(bid.w, bid.h, ctx.uid2);
  } else if (format === 'video') {
    const video = imp.video as Json;
    [bid.w, bid.h] = [sizeOr(video.w, 640), sizeOr(video.h, 360)];
    bid.adm = videoAdm(id, ctx.baseUrl, ctx.uid2);
    bid.nurl = `${events}&type=win`;
  } else {
    bid.adm = nativeAdm(imp.native as Json, ctx.baseUrl, ctx.uid2);
    bid.nurl = `${events}&type=win`;
  }
  return bid;
}
