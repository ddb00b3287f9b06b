// The config-token route's sessions: which identity the publisher's server renders into a reader's page.
// In memory, bounded in number, each gone when its identity can no longer be refreshed.
import { randomBytes } from 'node:crypto';
import type { Uid2Identity } from '../../libraries/uid2/client/uid2Identity.js';

/** 24 random bytes, base64url */
const SESSION_ID = /^[A-Za-z0-9_-]{32}$/;

export interface SessionStore {
  /** a new session holding `identity`; its id goes into the session cookie */
  create(identity: Uid2Identity): string;
  /** the session's identity, undefined for an unknown, malformed or expired id */
  get(sessionId: string | undefined): Uid2Identity | undefined;
  delete(sessionId: string | undefined): void;
}

export function createSessionStore({ maxSessions = 1000, now = Date.now } = {}): SessionStore {
  // a Map iterates in insertion order: the first entry is the oldest session
  const sessions = new Map<string, Uid2Identity>();
  return {
    create(identity) {
      const sessionId = randomBytes(24).toString('base64url');
      sessions.set(sessionId, identity);
      while (sessions.size > maxSessions) sessions.delete(sessions.keys().next().value!);
      return sessionId;
    },
    get(sessionId) {
      if (sessionId === undefined || !SESSION_ID.test(sessionId)) return undefined;
      const identity = sessions.get(sessionId);
      if (identity && now() >= identity.refresh_expires) {
        sessions.delete(sessionId);
        return undefined;
      }
      return identity;
    },
    delete(sessionId) {
      if (sessionId !== undefined) sessions.delete(sessionId);
    },
  };
}
