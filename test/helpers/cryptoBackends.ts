// Runs a suite once per AES backend the platform has (WebCrypto everywhere, node:crypto in Node as well), so
// the codecs are held to the same results, statuses and vectors on both.
import { platformCryptoBackend, useCryptoBackend, type CryptoBackend } from '../../libraries/uid2/crypto/cryptoBackend.js';
import { webCryptoBackend } from '../../libraries/uid2/crypto/webCryptoBackend.js';

export function availableCryptoBackends(): CryptoBackend[] {
  const platform = platformCryptoBackend();
  return platform.name === webCryptoBackend.name ? [webCryptoBackend] : [webCryptoBackend, platform];
}

export function forEachCryptoBackend(title: string, suite: () => void): void {
  for (const backend of availableCryptoBackends()) {
    describe(`${title} (${backend.name})`, () => {
      let previous: CryptoBackend;
      before(() => {
        previous = useCryptoBackend(backend);
      });
      after(() => {
        useCryptoBackend(previous);
      });
      suite();
    });
  }
}
