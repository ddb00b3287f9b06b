// Runs a suite once per AES backend the platform has (WebCrypto everywhere, node:crypto in Node as well), so
// the codecs are held to the same results, statuses and vectors on both.
import { platformAesBackend, useAesBackend, type AesBackend } from '../../../libraries/uid2/aesBackend.js';
import { webCryptoAes } from '../../../libraries/uid2/webCryptoAes.js';

export function availableAesBackends(): AesBackend[] {
  const platform = platformAesBackend();
  return platform.name === webCryptoAes.name ? [webCryptoAes] : [webCryptoAes, platform];
}

export function forEachAesBackend(title: string, suite: () => void): void {
  for (const backend of availableAesBackends()) {
    describe(`${title} (${backend.name})`, () => {
      let previous: AesBackend;
      before(() => {
        previous = useAesBackend(backend);
      });
      after(() => {
        useAesBackend(previous);
      });
      suite();
    });
  }
}
