// Sharing permissions: who may decrypt whose tokens. The sender decides, per receiver site or per
// participant type, through the ACL of its keyset (allowed_sites, allowed_types: the shape of the UID2
// admin's keysets). The operator consults them on every /v2/key/sharing and /v2/key/bidstream call, so a
// change made here shows in the next key fetch of every receiver.
import { clientError } from '../../libraries/uid2/receiver/operatorError.js';
import {
  MASTER_SITE_ID,
  PARTICIPANT_TYPES,
  REFRESH_SITE_ID,
  type ClientConfig,
  type KeysetConfig,
  type ParticipantType,
  type SiteConfig,
} from './config.js';

/** A keyset's ACL; null is "no ACL" (the operator's missing-ACL case). */
export interface KeysetAcl {
  allowed_sites: number[];
  allowed_types: ParticipantType[];
}

/** One grant or revocation, as `POST /admin/sharing` takes it. */
export interface SharingChange {
  senderSiteId: number;
  receiver: { siteId: number } | { type: ParticipantType };
  allow: boolean;
}

/** A sender's keyset and who may read it, as `GET /admin/sharing` shows it. */
export interface SharingEntry {
  sender_site_id: number;
  sender_name: string | undefined;
  keyset_id: number;
  /** null: no ACL, every ID_READER reads the keyset and no sharer does */
  allowed_sites: number[] | null;
  allowed_types: ParticipantType[];
}

function aclOf(keyset: KeysetConfig): KeysetAcl | null {
  return keyset.allowed_sites === null ? null : { allowed_sites: [...keyset.allowed_sites], allowed_types: [...keyset.allowed_types] };
}

/** Adds or removes one receiver from an ACL; a keyset without an ACL gets an empty one first. */
export function changedAcl(acl: KeysetAcl | null, receiver: SharingChange['receiver'], allow: boolean): KeysetAcl {
  const current = acl ?? { allowed_sites: [], allowed_types: [] };
  const toggle = <T>(list: T[], item: T): T[] => (allow ? [...new Set([...list, item])] : list.filter((x) => x !== item));
  return 'siteId' in receiver
    ? { ...current, allowed_sites: toggle(current.allowed_sites, receiver.siteId).sort((a, b) => a - b) }
    : { ...current, allowed_types: toggle(current.allowed_types, receiver.type) };
}

/** The ACL check of the operator's KeysetSnapshot, with participant types resolved to the reader's site. */
export function aclAllows(acl: KeysetAcl | null, reader: ClientConfig, readerTypes: readonly ParticipantType[]): boolean {
  // missing ACL: ID_READERs are let through (ALLOW_ALL), sharers are not (DENY_ALL)
  if (acl === null) return reader.roles.includes('ID_READER');
  return acl.allowed_sites.includes(reader.site_id) || acl.allowed_types.some((type) => readerTypes.includes(type));
}

/** The sharing permissions of every participant keyset: read on each key request, changed by the admin routes. */
export class SharingPermissions {
  private readonly acls: Map<number, KeysetAcl | null>;

  constructor(
    private readonly keysets: readonly KeysetConfig[],
    private readonly sites: ReadonlyMap<number, SiteConfig>,
  ) {
    this.acls = new Map(keysets.map((keyset) => [keyset.keyset_id, aclOf(keyset)]));
  }

  /** Master keys are everyone's, refresh keys no receiver's, a site's own keyset its own; the rest is the ACL. */
  canRead(reader: ClientConfig, keyset: KeysetConfig): boolean {
    if (keyset.site_id === MASTER_SITE_ID) return true;
    if (keyset.site_id === REFRESH_SITE_ID) return false;
    if (keyset.site_id === reader.site_id) return true;
    return aclAllows(this.acls.get(keyset.keyset_id) ?? null, reader, this.sites.get(reader.site_id)?.types ?? []);
  }

  entries(): SharingEntry[] {
    return this.participantKeysets().map((keyset) => this.entryOf(keyset));
  }

  /** Applies a validated change; answers the sender's entry as it now is. */
  apply(change: SharingChange): SharingEntry {
    const keyset = this.participantKeysets().find((k) => k.site_id === change.senderSiteId)!;
    this.acls.set(keyset.keyset_id, changedAcl(this.acls.get(keyset.keyset_id) ?? null, change.receiver, change.allow));
    return this.entryOf(keyset);
  }

  /** Checks a `POST /admin/sharing` body; throws a 400 client_error naming what is wrong. */
  parseChange(body: unknown): SharingChange {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw clientError('expected a JSON object');
    const o = body as Record<string, unknown>;
    const sender = o.sender_site_id;
    if (!Number.isSafeInteger(sender)) throw clientError('sender_site_id: expected an integer');
    if (!this.participantKeysets().some((k) => k.site_id === sender)) throw clientError(`sender_site_id: site ${sender as number} has no keyset of its own`);
    if (typeof o.allow !== 'boolean') throw clientError('allow: expected true or false');
    const hasSite = o.receiver_site_id !== undefined;
    if (hasSite === (o.receiver_type !== undefined)) throw clientError('expected exactly one of receiver_site_id, receiver_type');
    return { senderSiteId: sender as number, receiver: hasSite ? this.receiverSite(o.receiver_site_id, sender as number) : this.receiverType(o.receiver_type), allow: o.allow };
  }

  private receiverSite(value: unknown, sender: number): { siteId: number } {
    if (!Number.isSafeInteger(value)) throw clientError('receiver_site_id: expected an integer');
    if (!this.sites.has(value as number)) throw clientError(`receiver_site_id: unknown site ${value as number}`);
    if (value === sender) throw clientError('receiver_site_id: a sender always reads its own keyset');
    return { siteId: value as number };
  }

  private receiverType(value: unknown): { type: ParticipantType } {
    const type = typeof value === 'string' ? value.toUpperCase() : '';
    if (!PARTICIPANT_TYPES.includes(type as ParticipantType)) throw clientError(`receiver_type: expected one of ${PARTICIPANT_TYPES.join(', ')}`);
    return { type: type as ParticipantType };
  }

  /** Keysets of participant sites: the operator's own (master, refresh, fallback publisher) are not theirs to share. */
  private participantKeysets(): KeysetConfig[] {
    return this.keysets.filter((keyset) => this.sites.has(keyset.site_id));
  }

  private entryOf(keyset: KeysetConfig): SharingEntry {
    const acl = this.acls.get(keyset.keyset_id) ?? null;
    return {
      sender_site_id: keyset.site_id,
      sender_name: this.sites.get(keyset.site_id)?.name,
      keyset_id: keyset.keyset_id,
      allowed_sites: acl ? acl.allowed_sites : null,
      allowed_types: acl ? acl.allowed_types : [],
    };
  }
}
