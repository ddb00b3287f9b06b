// The AES (and the base64 around it) the token and envelope codecs run on, behind one seam: WebCrypto and
// atob/btoa (browsers) or node:crypto and Buffer (Node: synchronous, several times faster per token because
// nothing goes through WebCrypto's promise and thread pool).
//
// Why a run-time seam and no import of node:crypto: this library is isomorphic, and a browser bundle must
// never pull node:crypto. Node hands its built-ins to code that does not import them through
// process.getBuiltinModule (Node >= 20.16), so the Node backend is chosen here, at first use, only when that
// exists; bundlers see no Node import at all, and the browser module (refresh responses, CSTG) does not import
// this file. useCryptoBackend() overrides the choice: the specs run every codec against both backends.
//
// Keys are imported once per key id (advertising and refresh token keys) or per base64 secret (envelope client
// secrets) and kept in a bounded cache, so decryption imports nothing per token.
import { fromBase64 } from './base64.js';
import { bytesEqual, randomBytes } from './bytes.js';
import { nodeCryptoBackend, type NodeBufferModule, type NodeCryptoModule } from './nodeCryptoBackend.js';
import { webCryptoBackend } from './webCryptoBackend.js';
import type { CryptoBackend, MaybePromise } from './cryptoBackendType.js';

export type { CryptoBackend, MaybePromise };

/** `next` applied to a value now, or once it resolves: code on a synchronous backend makes no promise per step. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * The value of work done on a synchronous backend (node:crypto, Node's default), for the plain-call APIs that save a
 * promise per token; on an asynchronous one (WebCrypto) it throws, naming the promise API (`instead`) to use.
 */
export function settledNow<T>(value: MaybePromise<T>, name: string, instead: string): T {
  if (!(value instanceof Promise)) return value;
  value.catch(() => {}); // settled by no one: the caller gets the error below instead
  throw new Error(`${name} needs a synchronous crypto backend, not ${cryptoBackend().name}: use ${instead}`);
}

/** A key the codecs encrypt with: a token key (cached by id) or a base64 client secret (cached by value). */
export type AesKeySource = { readonly id: number; readonly secret: Uint8Array } | string;

/** Enough for every key of a large bidstream key set; past it the oldest import is dropped. */
const MAX_CACHED_KEYS = 4096;

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}

/** One backend's imported keys of one kind (GCM or CBC). */
class KeyImports {
  private readonly byId = new Map<number, { secret: Uint8Array; handle: unknown }>();
  private readonly bySecret = new Map<string, unknown>();

  constructor(private readonly importKey: (secret: Uint8Array) => unknown) {}

  handleOf(key: AesKeySource): unknown {
    if (typeof key === 'string') return this.bySecret.get(key) ?? remember(this.bySecret, key, this.importKey(fromBase64(key)));
    const cached = this.byId.get(key.id);
    if (cached?.secret === key.secret) return cached.handle;
    if (cached && bytesEqual(cached.secret, key.secret)) {
      cached.secret = key.secret; // the same key refetched: compare by identity from now on
      return cached.handle;
    }
    // a new id, or the same id with other key material (another operator, a test container): imported anew
    return remember(this.byId, key.id, { secret: key.secret, handle: this.importKey(key.secret) }).handle;
  }
}

interface SelectedBackend {
  backend: CryptoBackend;
  gcmKeys: KeyImports;
  cbcKeys: KeyImports;
}

function select(backend: CryptoBackend): SelectedBackend {
  return {
    backend,
    gcmKeys: new KeyImports((secret) => backend.importGcmKey(secret)),
    cbcKeys: new KeyImports((secret) => backend.importCbcKey(secret)),
  };
}

/** node:crypto when running in Node (without importing it), else WebCrypto. */
export function platformCryptoBackend(): CryptoBackend {
  const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const nodeCrypto = nodeProcess?.getBuiltinModule?.('node:crypto');
  const nodeBuffer = nodeProcess?.getBuiltinModule?.('node:buffer');
  return nodeCrypto && nodeBuffer ? nodeCryptoBackend(nodeCrypto as NodeCryptoModule, nodeBuffer as NodeBufferModule) : webCryptoBackend;
}

let selected: SelectedBackend | undefined;

function current(): SelectedBackend {
  return (selected ??= select(platformCryptoBackend()));
}

/** The backend in use. */
export function cryptoBackend(): CryptoBackend {
  return current().backend;
}

/** Replaces the backend (and its key cache); returns the previous one so a caller can restore it. */
export function useCryptoBackend(backend: CryptoBackend): CryptoBackend {
  const previous = cryptoBackend();
  selected = select(backend);
  return previous;
}

/** AES-256-GCM seal → IV || ciphertext || tag; the IV is random unless given (test vectors). */
export function gcmSeal(key: AesKeySource, plaintext: Uint8Array, opts: { iv?: Uint8Array; aad?: Uint8Array } = {}): MaybePromise<Uint8Array<ArrayBuffer>> {
  const { backend, gcmKeys } = current();
  const iv = opts.iv ?? randomBytes(12);
  return andThen(gcmKeys.handleOf(key), (imported) => backend.gcmEncrypt(imported, plaintext, iv, opts.aad));
}

/** Opens IV || ciphertext || tag; throws (or rejects) when the tag does not verify. */
export function gcmOpen(key: AesKeySource, blob: Uint8Array, aad?: Uint8Array): MaybePromise<Uint8Array<ArrayBuffer>> {
  const { backend, gcmKeys } = current();
  return andThen(gcmKeys.handleOf(key), (imported) => backend.gcmDecrypt(imported, blob, aad));
}

/** AES-256-CBC decryption with a token key (legacy v2 tokens). */
export function cbcOpen(key: Exclude<AesKeySource, string>, iv: Uint8Array, ciphertext: Uint8Array): MaybePromise<Uint8Array<ArrayBuffer>> {
  const { backend, cbcKeys } = current();
  return andThen(cbcKeys.handleOf(key), (imported) => backend.cbcDecrypt(imported, iv, ciphertext));
}
